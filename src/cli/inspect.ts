// `minic inspect [-f TEMPLATE] CONTAINER...`: Docker's JSON, or a Go-template line per container.
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printUsage } from "./command.ts";
import { formatWith } from "./template.ts";
import { MinicError } from "../errors.ts";
import { writeStdout } from "../output.ts";

const INSPECT_FLAGS: FlagSpec[] = [
  { name: "format", short: "f", kind: "string", valueHint: "TEMPLATE", description: "A Go template per container, e.g. '{{.State.Pid}}' or '{{json .Config}}'" },
  HELP_FLAG,
];

const inspectDefinition: CommandDef = commandDefinition("inspect", {
  usage: "minic inspect [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Show containers' configuration and state as JSON",
  flags: INSPECT_FLAGS,
  examples: ["minic inspect web", "minic inspect -f '{{.State.Status}} {{.NetworkSettings.IPAddress}}' web"],
}, { container: { type: "positional", required: true, description: "One or more container names or ids" } });

export const command: Command = {
  definition: inspectDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, INSPECT_FLAGS, "inspect");
    if (booleanFlag(flags, "help")) return printUsage(inspectDefinition);
    if (positionals.length === 0) throw new MinicError("inspect needs at least one container name or id", undefined, "see 'minic inspect --help'");
    const template = stringFlag(flags, "format");
    // The template is checked before anything is read.
    const format = template === null ? null : formatWith(template);
    const { inspectContainers } = await import("../container/inspect.ts");
    const inspected = inspectContainers(positionals);
    writeStdout(format === null ? `${JSON.stringify(inspected, null, 4)}\n` : inspected.map((item) => `${format(item)}\n`).join(""));
    return 0;
  },
};
