// runc's `state ID`: the OCI state as JSON.
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";
import { writeStdout } from "../../output.ts";

export const verb: OciVerb = {
  async run(argv) {
    const [id, ...extra] = argv;
    if (id === undefined || extra.length > 0) throw new MinicError("state needs exactly one container id");
    const { ociState } = await import("../../container/state.ts");
    writeStdout(`${JSON.stringify(ociState(id), null, 2)}\n`);
    return 0;
  },
};
