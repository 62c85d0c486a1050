// `minic restart [-t SECONDS] CONTAINER...`: stop, then start again with the writable layer.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";

const RESTART_FLAGS: FlagSpec[] = [
  { name: "time", short: "t", kind: "string", valueHint: "SECONDS", description: "Seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout, else 10)" },
  HELP_FLAG,
];

const restartDefinition: CommandDef = commandDefinition("restart", {
  usage: "minic restart [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Stop containers and start them again (detached), their writable layers kept",
  flags: RESTART_FLAGS,
  examples: ["minic restart web", "minic restart -t 2 web"],
}, { container: { type: "positional", required: true, description: "One or more container names or ids" } });

export const command: Command = {
  definition: restartDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, RESTART_FLAGS, "restart");
    if (booleanFlag(flags, "help")) return printUsage(restartDefinition);
    const time = stringFlag(flags, "time");
    if (time !== null && !/^\d+$/.test(time)) throw new MinicError(`invalid --time "${time}": expected a number of seconds, 0 or more`);
    const { stopContainers } = await import("../container/stop.ts");
    const { startContainers } = await import("../container/start.ts");
    await stopContainers(positionals, time === null ? null : Number(time));
    await startContainers(positionals, { runningIsDone: true });
    return printLines(positionals);
  },
};
