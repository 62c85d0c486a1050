// runc's `start ID`: the parked init runs its process.
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

export const verb: OciVerb = {
  async run(argv) {
    const [id, ...extra] = argv;
    if (id === undefined || extra.length > 0) throw new MinicError("start needs exactly one container id");
    const { containerById } = await import("../../container/state.ts");
    const { startContainers } = await import("../../container/start.ts");
    await startContainers([containerById(id).id]);
    return 0;
  },
};
