// runc's `ps [--format table|json] ID [PS_OPTIONS...]`: the container's processes, by host pid.
import { parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";
import { writeStdout } from "../../output.ts";

const FLAGS: FlagSpec[] = [{ name: "format", short: "f", kind: "string", valueHint: "table|json", description: "table (ps's output, default) or json (the pids)" }];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "ps");
    const [id, ...psOptions] = positionals;
    if (id === undefined) throw new MinicError("ps needs a container id");
    const format = stringFlag(flags, "format") ?? "table";
    if (format !== "table" && format !== "json") throw new MinicError(`invalid --format "${format}": expected table or json`);
    const { containerProcesses } = await import("../../container/kill.ts");
    const { containerById } = await import("../../container/state.ts");
    const record = containerById(id);
    if (format === "json") {
      writeStdout(`${JSON.stringify(containerProcesses(record))}\n`);
      return 0;
    }
    const { processTable } = await import("../../container/top.ts");
    writeStdout(`${processTable(record, psOptions)}\n`);
    return 0;
  },
};
