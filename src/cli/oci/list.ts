// runc's `list [--format table|json] [--quiet]`: every container in --root.
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";
import { writeStdout } from "../../output.ts";

const FLAGS: FlagSpec[] = [
  { name: "format", short: "f", kind: "string", valueHint: "table|json", description: "table (default) or json" },
  { name: "quiet", short: "q", kind: "boolean", description: "Only the ids" },
];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "list");
    if (positionals.length > 0) throw new MinicError("list takes no arguments");
    const format = stringFlag(flags, "format") ?? "table";
    if (format !== "table" && format !== "json") throw new MinicError(`invalid --format "${format}": expected table or json`);
    const { listStates } = await import("../../container/state.ts");
    const states = listStates();
    if (booleanFlag(flags, "quiet")) {
      writeStdout(states.map((state) => `${state.id}\n`).join(""));
    } else if (format === "json") {
      writeStdout(`${JSON.stringify(states)}\n`);
    } else {
      const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, "root"])];
      const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
      writeStdout(rows.map((row) => row.map((cell, column) => cell.padEnd((widths[column] ?? 0) + 3)).join("").trimEnd()).join("\n") + "\n");
    }
    return 0;
  },
};
