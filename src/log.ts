// consola/core: the full entry imports node:tty for colour detection, which costs ~10 ms a start.
import { createConsola, LogLevels, type ConsolaReporter, type LogObject } from "consola/core";
import { writeStderr } from "./output.ts";

/**
 * One line per message on stderr, prefixed `minic:` for errors and warnings, the way
 * Docker's CLI writes them. Stdout is left to the workload and to commands' own output.
 */
const lineReporter: ConsolaReporter = {
  log(entry: LogObject) {
    const text = entry.args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg))).join(" ");
    const prefix =
      entry.level <= LogLevels.error ? "minic: " : entry.level === LogLevels.warn ? "minic: warning: " : "";
    writeStderr(`${prefix}${text}\n`);
  },
};

export const log = createConsola({
  level: process.env.MINIC_DEBUG ? LogLevels.debug : LogLevels.info,
  reporters: [lineReporter],
});

export function enableDebug(): void {
  log.level = LogLevels.debug;
}
