// A Bun macro (imported `with { type: "macro" }`): it runs while minic is bundled, or while Bun
// loads the source, and its result is inlined, so no start of minic parses C. The header stays
// the one definition; a change to it changes the tables at the next build.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProtocol, type ProtocolTables } from "./protocol-parse.ts";

export function protocolTables(): ProtocolTables {
  return parseProtocol(readFileSync(join(import.meta.dir, "../../native/protocol.h"), "utf8"));
}
