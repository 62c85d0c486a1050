// `minic exec`: its flags and the verb.
import type { CommandDef } from "citty";
import type { ExecOptions } from "../container/exec.ts";
import { MinicError } from "../errors.ts";
import { booleanFlag, listFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, printUsage } from "./command.ts";
import { COMMON_ENVIRONMENT, RUN_EXIT_CODES } from "./help.ts";

export const EXEC_FLAGS: FlagSpec[] = [
  { name: "interactive", short: "i", kind: "boolean", description: "Keep stdin open and connected to the process" },
  { name: "tty", short: "t", kind: "boolean", description: "Give the process a terminal from the container's devpts" },
  { name: "env", short: "e", kind: "list", valueHint: "K=V", description: "Set an environment variable; -e K copies K from your environment (repeatable)" },
  { name: "workdir", short: "w", kind: "string", valueHint: "DIR", description: "Working directory inside the container (default: the container's)" },
  { name: "user", short: "u", kind: "string", valueHint: "USER[:GROUP]", description: "Run as this user and group (names from the container's /etc/passwd and /etc/group, or ids)" },
  { name: "privileged", kind: "boolean", description: "Give the process every capability and no seccomp filter" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];

export function parseExecArgs(argv: string[]): { help: boolean; options: ExecOptions } {
  const { flags, positionals } = parseCommandLine(argv, EXEC_FLAGS, "exec");
  const [container, ...command] = positionals;
  const help = booleanFlag(flags, "help");
  if (!help && container === "") throw new MinicError("the container name or id is empty");
  if (!help && (container === undefined || command.length === 0)) {
    throw new MinicError("exec needs a container and a command", undefined, "see 'minic exec --help'");
  }
  return {
    help,
    options: {
      container: container ?? "",
      command,
      interactive: booleanFlag(flags, "interactive"),
      tty: booleanFlag(flags, "tty"),
      env: listFlag(flags, "env"),
      workdir: stringFlag(flags, "workdir"),
      user: stringFlag(flags, "user"),
      privileged: booleanFlag(flags, "privileged"),
    },
  };
}

const execDefinition: CommandDef = commandDefinition("exec", {
  usage: "minic exec [OPTIONS] CONTAINER COMMAND [ARG...]",
  description: "Run a command in a running container",
  flags: EXEC_FLAGS,
  examples: ["minic exec web ps", "minic exec -it web sh", "minic exec -u 1000 -w /tmp -e K=V web env"],
  environment: COMMON_ENVIRONMENT,
  exitCodes: RUN_EXIT_CODES,
}, {
    container: { type: "positional", required: true, description: "The container's name or id, then the command and its arguments" },
  });

export const command: Command = {
  definition: execDefinition,
  async handle(argv) {
    const { help, options } = parseExecArgs(argv);
    if (help) return printUsage(execDefinition);
    const { execInContainer } = await import("../container/exec.ts");
    return execInContainer(options);
  },
};
