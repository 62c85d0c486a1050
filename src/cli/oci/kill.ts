// runc's `kill [--all] ID [SIGNAL]` (default SIGTERM, as runc).
import { booleanFlag, parseCommandLine, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [{ name: "all", short: "a", kind: "boolean", description: "Signal every process of the container, not only its init" }];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "kill");
    const [id, signal = "SIGTERM", ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("kill needs a container id and at most one signal");
    const { killById } = await import("../../container/kill.ts");
    killById(id, signal, booleanFlag(flags, "all"));
    return 0;
  },
};
