// runc's `pause ID` and `resume ID`.
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

function pauseVerb(paused: boolean): OciVerb {
  return {
    async run(argv) {
      const [id, ...extra] = argv;
      if (id === undefined || extra.length > 0) throw new MinicError(`${paused ? "pause" : "resume"} needs exactly one container id`);
      const { setPaused } = await import("../../container/pause.ts");
      await setPaused(id, paused);
      return 0;
    },
  };
}

export const pause = pauseVerb(true);
export const resume = pauseVerb(false);
