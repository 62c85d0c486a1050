// `minic rm [-f] CONTAINER...`
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";

const RM_FLAGS: FlagSpec[] = [
  { name: "force", short: "f", kind: "boolean", description: "Kill running containers first, and remove damaged records" },
  HELP_FLAG,
];

const rmDefinition: CommandDef = commandDefinition("rm", {
  usage: "minic rm [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Remove containers and their writable layers",
  flags: RM_FLAGS,
  examples: ["minic rm web", "minic rm -f $(minic ps -aq)"],
}, {
    container: { type: "positional", required: true, description: "One or more container names or ids (a unique id prefix is enough)" },
  });

export const command: Command = {
  definition: rmDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, RM_FLAGS, "rm");
    if (booleanFlag(flags, "help")) return printUsage(rmDefinition);
    const { removeContainers } = await import("../container/list.ts");
    return printLines(await removeContainers(positionals, booleanFlag(flags, "force")));
  },
};
