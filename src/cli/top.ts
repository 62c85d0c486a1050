// `minic top CONTAINER [ps OPTIONS]`: the container's processes, by the host's ps.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printUsage } from "./command.ts";
import { writeStdout } from "../output.ts";

const topDefinition: CommandDef = commandDefinition("top", {
  usage: "minic top CONTAINER [ps OPTIONS]",
  description: "Show a container's processes (the host's ps, default -ef, only the container's rows)",
  flags: [HELP_FLAG],
  examples: ["minic top web", "minic top web -o pid,comm"],
}, {
    container: { type: "positional", required: true, description: "A container name or id" },
    options: { type: "positional", required: false, description: "ps options (default -ef)" },
  });

export const command: Command = {
  definition: topDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, [HELP_FLAG], "top");
    if (booleanFlag(flags, "help")) return printUsage(topDefinition);
    const [ref, ...psOptions] = positionals;
    if (ref === undefined) throw new MinicError("top needs a container name or id", undefined, "see 'minic top --help'");
    const { findContainer, stateRoot } = await import("../state/store.ts");
    const record = findContainer(stateRoot(), ref);
    if (record.status !== "running") throw new MinicError(`container ${ref} is not running`);
    const { processTable } = await import("../container/top.ts");
    writeStdout(`${processTable(record, psOptions)}\n`);
    return 0;
  },
};
