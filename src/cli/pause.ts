// `minic pause CONTAINER...` and `minic unpause CONTAINER...`, as Docker's: every process of each
// container frozen (or thawed) through its cgroup's freezer.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { commandDefinition, HELP_FLAG, printLines, printUsage, type Command } from "./command.ts";

function pauseCommand(name: "pause" | "unpause", paused: boolean, description: string): Command {
  const definition: CommandDef = commandDefinition(name, {
    usage: `minic ${name} CONTAINER [CONTAINER...]`,
    description,
    flags: [HELP_FLAG],
    examples: [`minic ${name} web`],
  }, { container: { type: "positional", required: true, description: "One or more container names or ids" } });
  return {
    definition,
    async handle(argv) {
      const { flags, positionals } = parseCommandLine(argv, [HELP_FLAG], name);
      if (booleanFlag(flags, "help")) return printUsage(definition);
      if (positionals.length === 0) throw new MinicError(`${name} needs at least one container name or id`, undefined, `see 'minic ${name} --help'`);
      const { pauseContainers } = await import("../container/pause.ts");
      return printLines(await pauseContainers(positionals, paused));
    },
  };
}

export const command = pauseCommand("pause", true, "Freeze every process of running containers (their cgroup's freezer)");
export const unpauseCommand = pauseCommand("unpause", false, "Thaw paused containers");
