// `minic cleanup [--rm] ID`: conmon's exit command for a detached container; not listed in help.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine, type FlagSpec } from "./argv.ts";
import { argsDef, type Command } from "./command.ts";

const CLEANUP_FLAGS: FlagSpec[] = [{ name: "rm", kind: "boolean", description: "Remove the container too (run -d --rm)" }];

const cleanupDefinition: CommandDef = {
  meta: { name: "cleanup", description: "Record a detached container's exit (run by conmon)" },
  args: argsDef(CLEANUP_FLAGS, { id: { type: "positional", required: true, description: "The container's id" } }),
};

export const command: Command = {
  definition: cleanupDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, CLEANUP_FLAGS, "cleanup");
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("cleanup needs exactly one container id");
    const { cleanupContainer } = await import("../container/cleanup.ts");
    await cleanupContainer(id, booleanFlag(flags, "rm"));
    return 0;
  },
};
