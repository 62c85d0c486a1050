// `minic wait CONTAINER...`: block until each stops, print its exit code.
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";

const WAIT_FLAGS: FlagSpec[] = [HELP_FLAG];

const waitDefinition: CommandDef = commandDefinition("wait", {
  usage: "minic wait CONTAINER [CONTAINER...]",
  description: "Wait for containers to stop, then print their exit codes",
  flags: WAIT_FLAGS,
  examples: ["minic wait job"],
}, { container: { type: "positional", required: true, description: "One or more container names or ids" } });

export const command: Command = {
  definition: waitDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, WAIT_FLAGS, "wait");
    if (booleanFlag(flags, "help")) return printUsage(waitDefinition);
    const { waitContainers } = await import("../container/stop.ts");
    return printLines((await waitContainers(positionals)).map(String));
  },
};
