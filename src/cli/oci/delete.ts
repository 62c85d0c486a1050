// runc's `delete [--force] ID`.
import { booleanFlag, parseCommandLine, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [{ name: "force", short: "f", kind: "boolean", description: "Kill a running container first" }];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "delete");
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("delete needs exactly one container id");
    const { deleteContainer } = await import("../../container/delete.ts");
    await deleteContainer(id, booleanFlag(flags, "force"));
    return 0;
  },
};
