// What every verb module exports, and the usage text citty renders from the flag tables. The
// parsing itself is ours (argv.ts): options must stop at the first positional.
import type { ArgsDef, CommandDef } from "citty";
import pkg from "../../package.json" with { type: "json" };
import type { FlagSpec } from "./argv.ts";

export const VERSION: string = pkg.version;

export interface Command {
  definition: CommandDef;
  /** Parses argv, calls the runtime, prints; resolves to minic's exit code. */
  handle(argv: string[]): Promise<number>;
}

/** The verbs, each a module of its own, imported only when it is the one run. */
export const VERBS: Record<string, () => Promise<Command>> = {
  build: async () => (await import("./build.ts")).command,
  run: async () => (await import("./run.ts")).command,
  create: async () => (await import("./create.ts")).command,
  start: async () => (await import("./start.ts")).command,
  exec: async () => (await import("./exec.ts")).command,
  kill: async () => (await import("./kill.ts")).command,
  ps: async () => (await import("./ps.ts")).command,
  rm: async () => (await import("./rm.ts")).command,
  stats: async () => (await import("./stats.ts")).command,
  logs: async () => (await import("./logs.ts")).command,
  stop: async () => (await import("./stop.ts")).command,
  wait: async () => (await import("./wait.ts")).command,
  inspect: async () => (await import("./inspect.ts")).command,
  restart: async () => (await import("./restart.ts")).command,
  top: async () => (await import("./top.ts")).command,
  attach: async () => (await import("./attach.ts")).command,
  port: async () => (await import("./port.ts")).command,
  network: async () => (await import("./network.ts")).command,
  version: async () => (await import("./version.ts")).command,
};

/** Verbs minic runs for itself (conmon's exit command), kept out of the help. */
export const HIDDEN_VERBS: Record<string, () => Promise<Command>> = {
  cleanup: async () => (await import("./cleanup.ts")).command,
};

export const mainDefinition: CommandDef = {
  meta: { name: "minic", version: VERSION, description: "A small Linux container runtime you can read end to end" },
  args: {
    debug: { type: "boolean", description: "Print debug messages and stack traces (also MINIC_DEBUG=1)" },
    version: { type: "boolean", alias: "v", description: "Print the version" },
  },
  subCommands: Object.fromEntries(Object.entries(VERBS).map(([name, load]) => [name, async () => (await load()).definition])),
};

export const HELP_FLAG: FlagSpec = { name: "help", short: "h", kind: "boolean", description: "Show this help" };

export function argsDef(flags: FlagSpec[], positionals: ArgsDef = {}): ArgsDef {
  const def: ArgsDef = {};
  for (const flag of flags) {
    def[flag.name] =
      flag.kind === "boolean"
        ? { type: "boolean", description: flag.description, ...(flag.short ? { alias: flag.short } : {}) }
        : { type: "string", description: flag.description, valueHint: flag.valueHint, ...(flag.short ? { alias: flag.short } : {}) };
  }
  return { ...positionals, ...def };
}

/** Usage text, with citty's colours only when a person is looking at it. */
export async function usageText(definition: CommandDef, parent?: CommandDef): Promise<string> {
  // citty is loaded only when usage is shown: a plain run should not pay for it.
  const { renderUsage } = await import("citty");
  const text = await renderUsage(definition, parent);
  return process.stdout.isTTY ? text : text.replace(/\u001b\[[0-9;]*m/g, "");
}

export async function printUsage(definition: CommandDef): Promise<number> {
  process.stdout.write(`${await usageText(definition, mainDefinition)}\n`);
  return 0;
}

/** One line per item on stdout (the names `rm`, `start` and `kill` echo back, as Docker's do). */
export function printLines(lines: string[]): number {
  for (const line of lines) process.stdout.write(`${line}\n`);
  return 0;
}
