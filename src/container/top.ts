// A container's processes as the host's `ps` shows them (`minic top`, runc's `ps`): ps run with
// the options given (default -ef), only the rows whose PID is one of the container's.
import { MinicError } from "../errors.ts";
import type { ContainerRecord } from "../state/store.ts";
import { containerProcesses } from "./kill.ts";

export function processTable(record: ContainerRecord, psOptions: string[]): string {
  const pids = new Set(containerProcesses(record));
  const ps = Bun.spawnSync(["ps", ...(psOptions.length > 0 ? psOptions : ["-ef"])], { stderr: "pipe" });
  if (ps.exitCode !== 0) throw new MinicError(`ps ${psOptions.join(" ")} failed: ${ps.stderr.toString().trim().split("\n")[0] ?? ""}`);
  const [header = "", ...rows] = ps.stdout.toString().trimEnd().split("\n");
  const column = header.trim().split(/\s+/).indexOf("PID");
  if (column < 0) throw new MinicError("ps's output has no PID column: give ps options that show it");
  return [header, ...rows.filter((row) => pids.has(Number(row.trim().split(/\s+/)[column])))].join("\n");
}
