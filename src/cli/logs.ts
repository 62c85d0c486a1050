// `minic logs [-f] [--tail N] [-t] [--since T] CONTAINER`
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printUsage } from "./command.ts";
import { writeStdout, writeStderr } from "../output.ts";

const LOGS_FLAGS: FlagSpec[] = [
  { name: "follow", short: "f", kind: "boolean", description: "Keep printing what the container writes until it stops" },
  { name: "tail", short: "n", kind: "string", valueHint: "N", description: "Only the last N lines (default all)" },
  { name: "timestamps", short: "t", kind: "boolean", description: "Prefix each line with the time it was written" },
  { name: "since", kind: "string", valueHint: "TIME", description: "Only lines written since TIME (2026-11-24T10:00:00Z) or for the last DURATION (10m)" },
  HELP_FLAG,
];

const logsDefinition: CommandDef = commandDefinition("logs", {
  usage: "minic logs [OPTIONS] CONTAINER",
  description: "Print what a container wrote to its stdout and stderr",
  flags: LOGS_FLAGS,
  examples: ["minic logs web", "minic logs -f --tail 20 -t web"],
}, { container: { type: "positional", required: true, description: "A container name or id" } });

export const command: Command = {
  definition: logsDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, LOGS_FLAGS, "logs");
    if (booleanFlag(flags, "help")) return printUsage(logsDefinition);
    const [ref, ...extra] = positionals;
    if (ref === undefined || extra.length > 0) throw new MinicError("logs needs exactly one container name or id", undefined, "see 'minic logs --help'");
    const tail = stringFlag(flags, "tail");
    if (tail !== null && tail !== "all" && !/^\d+$/.test(tail)) throw new MinicError(`invalid --tail "${tail}": expected a number of lines or all`);
    const { containerLogs, parseSince } = await import("../container/logs.ts");
    const since = stringFlag(flags, "since");
    await containerLogs(
      ref,
      { follow: booleanFlag(flags, "follow"), tail: tail === null || tail === "all" ? null : Number(tail), timestamps: booleanFlag(flags, "timestamps"), since: since === null ? null : parseSince(since) },
      { stdout: (text) => writeStdout(text), stderr: (text) => writeStderr(text) },
    );
    return 0;
  },
};
