// `minic stop [-t SECONDS] [-s SIGNAL] CONTAINER...`
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec, type FlagValues } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";
import type { StopSettings } from "../container/stop.ts";

/** stop's flags, which restart shares, as Docker's do. */
export const STOP_FLAGS: FlagSpec[] = [
  { name: "signal", short: "s", kind: "string", valueHint: "SIGNAL", description: "Signal to send first (default: the container's --stop-signal or image's STOPSIGNAL, else SIGTERM)" },
  { name: "time", short: "t", kind: "string", valueHint: "SECONDS", description: "Seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout, else 10)" },
  HELP_FLAG,
];

export function stopSettings(flags: FlagValues): StopSettings {
  const time = stringFlag(flags, "time");
  if (time !== null && !/^\d+$/.test(time)) throw new MinicError(`invalid --time "${time}": expected a number of seconds, 0 or more`);
  return { timeout: time === null ? null : Number(time), signal: stringFlag(flags, "signal") };
}

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
    const settings = stopSettings(flags);
    const { stopContainers } = await import("../container/stop.ts");
    return printLines(await stopContainers(positionals, settings));
  },
};
