// `minic kill [-s SIGNAL] CONTAINER...`
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { argsDef, HELP_FLAG, printLines, printUsage, type Command } from "./command.ts";

const KILL_FLAGS: FlagSpec[] = [
  { name: "signal", short: "s", kind: "string", valueHint: "SIGNAL", description: "Signal to send, by name or number (default KILL)" },
  HELP_FLAG,
];

const killDefinition: CommandDef = {
  meta: { name: "kill", description: "Send a signal to running containers' main process" },
  args: argsDef(KILL_FLAGS, {
    container: { type: "positional", required: true, description: "One or more container names or ids" },
  }),
};

export const command: Command = {
  definition: killDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, KILL_FLAGS, "kill");
    if (booleanFlag(flags, "help")) return printUsage(killDefinition);
    const { killContainers } = await import("../container/kill.ts");
    return printLines(killContainers(positionals, stringFlag(flags, "signal")));
  },
};
