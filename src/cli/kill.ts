// `minic kill [-s SIGNAL] CONTAINER...`
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";

const KILL_FLAGS: FlagSpec[] = [
  { name: "signal", short: "s", kind: "string", valueHint: "SIGNAL", description: "Signal to send, by name or number (default KILL)" },
  HELP_FLAG,
];

const killDefinition: CommandDef = commandDefinition("kill", {
  usage: "minic kill [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Send a signal to running containers' main process",
  flags: KILL_FLAGS,
  examples: ["minic kill web", "minic kill -s HUP web"],
}, {
    container: { type: "positional", required: true, description: "One or more container names or ids" },
  });

export const command: Command = {
  definition: killDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, KILL_FLAGS, "kill");
    if (booleanFlag(flags, "help")) return printUsage(killDefinition);
    const { killContainers } = await import("../container/kill.ts");
    return printLines(killContainers(positionals, stringFlag(flags, "signal")));
  },
};
