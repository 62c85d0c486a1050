// `minic restart [-t SECONDS] [-s SIGNAL] CONTAINER...`: stop, then start again with the writable layer.
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { type Command, commandDefinition, printLines, printUsage } from "./command.ts";
import { STOP_FLAGS, stopSettings } from "./stop.ts";

const RESTART_FLAGS = STOP_FLAGS;

const restartDefinition: CommandDef = commandDefinition("restart", {
  usage: "minic restart [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Stop containers and start them again (detached), their writable layers kept",
  flags: RESTART_FLAGS,
  examples: ["minic restart web", "minic restart -t 2 -s SIGINT web"],
}, { container: { type: "positional", required: true, description: "One or more container names or ids" } });

export const command: Command = {
  definition: restartDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, RESTART_FLAGS, "restart");
    if (booleanFlag(flags, "help")) return printUsage(restartDefinition);
    const settings = stopSettings(flags);
    const { stopContainers } = await import("../container/stop.ts");
    const { startContainers } = await import("../container/start.ts");
    await stopContainers(positionals, settings);
    await startContainers(positionals, { runningIsDone: true });
    return printLines(positionals);
  },
};
