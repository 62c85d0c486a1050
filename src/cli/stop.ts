// `minic stop [-t SECONDS] CONTAINER...`
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";

const STOP_FLAGS: FlagSpec[] = [
  { name: "time", short: "t", kind: "string", valueHint: "SECONDS", description: "Seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout, else 10)" },
  HELP_FLAG,
];

const stopDefinition: CommandDef = commandDefinition("stop", {
  usage: "minic stop [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Stop running containers: the stop signal, then SIGKILL after a grace period",
  flags: STOP_FLAGS,
  examples: ["minic stop web", "minic stop -t 30 -s SIGINT web"],
}, { container: { type: "positional", required: true, description: "One or more container names or ids" } });

export const command: Command = {
  definition: stopDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, STOP_FLAGS, "stop");
    if (booleanFlag(flags, "help")) return printUsage(stopDefinition);
    const time = stringFlag(flags, "time");
    if (time !== null && !/^\d+$/.test(time)) throw new MinicError(`invalid --time "${time}": expected a number of seconds, 0 or more`);
    const { stopContainers } = await import("../container/stop.ts");
    return printLines(await stopContainers(positionals, time === null ? null : Number(time)));
  },
};
