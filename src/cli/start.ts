// `minic start [-a] [-i] CONTAINER...`
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";
import { RUN_EXIT_CODES } from "./help.ts";

const START_FLAGS: FlagSpec[] = [
  { name: "attach", short: "a", kind: "boolean", description: "Attach to the container's output and wait for it (its exit code)" },
  { name: "interactive", short: "i", kind: "boolean", description: "Attach this terminal's input to the container's stdin" },
  { name: "detach-keys", kind: "string", valueHint: "KEYS", description: "Keys that leave an attached container running (default ctrl-p,ctrl-q)" },
  HELP_FLAG,
];

const startDefinition: CommandDef = commandDefinition("start", {
  usage: "minic start [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Start created containers, or stopped ones again with their writable layer (detached, under conmon)",
  flags: START_FLAGS,
  examples: ["minic start web", "minic start -a -i job"],
  exitCodes: RUN_EXIT_CODES,
}, {
    container: { type: "positional", required: true, description: "One or more container names or ids" },
  });

export const command: Command = {
  definition: startDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, START_FLAGS, "start");
    if (booleanFlag(flags, "help")) return printUsage(startDefinition);
    const { startContainers } = await import("../container/start.ts");
    const attaching = booleanFlag(flags, "attach") || booleanFlag(flags, "interactive");
    if (!attaching) return printLines(await startContainers(positionals, { runningIsDone: true }));
    const [ref, ...others] = positionals;
    if (ref === undefined || others.length > 0) throw new MinicError("start -a or -i takes exactly one container", undefined, "Docker cannot attach to several at once either");
    const { attachContainer, DEFAULT_DETACH_KEYS, openAttach, parseDetachKeys, relayAttached } = await import("../container/attach.ts");
    const options = { stdin: booleanFlag(flags, "interactive"), detachKeys: parseDetachKeys(stringFlag(flags, "detach-keys") ?? DEFAULT_DETACH_KEYS) };
    let session: ReturnType<typeof openAttach> | null = null;
    await startContainers([ref], { runningIsDone: true, beforeRelease: (record) => (session = openAttach(record.id, ref)) });
    // Already running: attach to it as it is.
    const code = session === null ? await attachContainer(ref, options) : await relayAttached(session, options);
    return code ?? 0;
  },
};
