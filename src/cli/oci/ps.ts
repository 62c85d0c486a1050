// runc's `ps [--format table|json] ID [PS_OPTIONS...]`: the container's processes, by host pid.
import { parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

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
    const pids = containerProcesses(containerById(id));
    if (format === "json") {
      process.stdout.write(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    // As runc: the host's ps with the options given (default -ef), only the container's rows.
    const ps = Bun.spawnSync(["ps", ...(psOptions.length > 0 ? psOptions : ["-ef"])], { stderr: "inherit" });
    if (ps.exitCode !== 0) throw new MinicError(`ps ${psOptions.join(" ")} failed`);
    const [header = "", ...rows] = ps.stdout.toString().trimEnd().split("\n");
    const column = header.trim().split(/\s+/).indexOf("PID");
    if (column < 0) throw new MinicError("ps's output has no PID column");
    const wanted = new Set(pids);
    process.stdout.write([header, ...rows.filter((row) => wanted.has(Number(row.trim().split(/\s+/)[column])))].join("\n") + "\n");
    return 0;
  },
};
