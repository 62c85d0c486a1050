// `minic start CONTAINER...`
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { argsDef, HELP_FLAG, printLines, printUsage, type Command } from "./command.ts";

const startDefinition: CommandDef = {
  meta: { name: "start", description: "Start created containers, or stopped ones again with their writable layer (detached, under conmon)" },
  args: argsDef([HELP_FLAG], {
    container: { type: "positional", required: true, description: "One or more container names or ids" },
  }),
};

export const command: Command = {
  definition: startDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, [HELP_FLAG], "start");
    if (booleanFlag(flags, "help")) return printUsage(startDefinition);
    const { startContainers } = await import("../container/start.ts");
    return printLines(await startContainers(positionals, { runningIsDone: true }));
  },
};
