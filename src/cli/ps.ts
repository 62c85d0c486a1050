// `minic ps [-a] [-q]`
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine, type FlagSpec } from "./argv.ts";
import { argsDef, HELP_FLAG, printUsage, type Command } from "./command.ts";
import { containerTable } from "./format.ts";
import { shortId } from "../state/names.ts";

const PS_FLAGS: FlagSpec[] = [
  { name: "all", short: "a", kind: "boolean", description: "Show all containers, damaged records included (default shows just running)" },
  { name: "quiet", short: "q", kind: "boolean", description: "Only display container ids" },
  HELP_FLAG,
];

const psDefinition: CommandDef = {
  meta: { name: "ps", description: "List containers" },
  args: argsDef(PS_FLAGS),
};

export const command: Command = {
  definition: psDefinition,
  async handle(argv) {
    const { flags } = parseCommandLine(argv, PS_FLAGS, "ps");
    if (booleanFlag(flags, "help")) return printUsage(psDefinition);
    const { listContainers } = await import("../container/list.ts");
    const entries = listContainers(booleanFlag(flags, "all"));
    const text = booleanFlag(flags, "quiet")
      ? entries.map((entry) => shortId(entry.kind === "ok" ? entry.record.id : entry.id)).join("\n")
      : containerTable(entries, Date.now());
    if (text.length > 0) process.stdout.write(`${text}\n`);
    return 0;
  },
};
