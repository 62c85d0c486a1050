// `minic attach [--no-stdin] [--detach-keys KEYS] CONTAINER`
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printUsage } from "./command.ts";

const ATTACH_FLAGS: FlagSpec[] = [
  { name: "no-stdin", kind: "boolean", description: "Do not send this terminal's input to the container" },
  { name: "detach-keys", kind: "string", valueHint: "KEYS", description: "Keys that leave the container running (default ctrl-p,ctrl-q)" },
  HELP_FLAG,
];

const attachDefinition: CommandDef = commandDefinition("attach", {
  usage: "minic attach [OPTIONS] CONTAINER",
  description: "Attach this terminal to a detached container's input and output",
  flags: ATTACH_FLAGS,
  examples: ["minic attach web", "minic attach --no-stdin --detach-keys ctrl-x web"],
  exitCodes: [["N", "the container's exit status, once it ends while attached"], ["0", "detached with the detach keys"], ["125", "it could not attach: bad input, or no such running container"]],
}, { container: { type: "positional", required: true, description: "A container name or id" } });

export const command: Command = {
  definition: attachDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, ATTACH_FLAGS, "attach");
    if (booleanFlag(flags, "help")) return printUsage(attachDefinition);
    const [ref, ...extra] = positionals;
    if (ref === undefined || extra.length > 0) throw new MinicError("attach needs exactly one container name or id", undefined, "see 'minic attach --help'");
    const { attachContainer, DEFAULT_DETACH_KEYS, parseDetachKeys } = await import("../container/attach.ts");
    const detachKeys = parseDetachKeys(stringFlag(flags, "detach-keys") ?? DEFAULT_DETACH_KEYS);
    const code = await attachContainer(ref, { stdin: !booleanFlag(flags, "no-stdin"), detachKeys });
    return code ?? 0;
  },
};
