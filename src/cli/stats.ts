// `minic stats [CONTAINER...]`
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printUsage } from "./command.ts";
import { statsTable } from "./format.ts";
import { log } from "../log.ts";
import { writeStdout } from "../output.ts";

const STATS_FLAGS: FlagSpec[] = [
  { name: "no-stream", kind: "boolean", description: "Print one sample and exit (what stats always does; accepted as Docker spells it)" },
  HELP_FLAG,
];

const statsDefinition: CommandDef = commandDefinition("stats", {
  usage: "minic stats [OPTIONS] [CONTAINER...]",
  description: "Show CPU time, memory and process counts of running containers, read from their cgroups",
  flags: STATS_FLAGS,
  examples: ["minic stats", "minic stats web db"],
}, {
    container: { type: "positional", required: false, description: "Container names or ids (default: every running container)" },
  });

export const command: Command = {
  definition: statsDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, STATS_FLAGS, "stats");
    if (booleanFlag(flags, "help")) return printUsage(statsDefinition);
    const { containerStats } = await import("../container/stats.ts");
    const stats = containerStats(positionals);
    writeStdout(`${statsTable(stats)}\n`);
    for (const container of stats.filter((s) => s.cgroupless)) {
      log.warn(`container ${container.name} has no cgroup of its own (minic runs rootless, and no cgroup is delegated to this user): it has no usage to show`);
    }
    return 0;
  },
};
