// What every verb module exports, and its help, rendered from the flag tables the parser reads
// (argv.ts, help.ts): options must stop at the first positional, as Docker's do.
import type { ArgsDef, CommandDef } from "citty";
import pkg from "../../package.json" with { type: "json" };
import type { FlagSpec } from "./argv.ts";
import { COMMAND_EXIT_CODES, COMMON_ENVIRONMENT, renderHelp, RUN_EXIT_CODES, type HelpPage } from "./help.ts";
import { writeStdout } from "../output.ts";

export const VERSION: string = pkg.version;

export interface Command {
  definition: CommandDef;
  /** A command of commands (network): each one's definition, for man pages and completion. */
  subcommands?: Record<string, CommandDef>;
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
  pause: async () => (await import("./pause.ts")).command,
  unpause: async () => (await import("./pause.ts")).unpauseCommand,
  version: async () => (await import("./version.ts")).command,
  completion: async () => (await import("./completion.ts")).command,
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

/** Each command's help page, found by its definition (see commandDefinition). */
const HELP_PAGES = new WeakMap<CommandDef, HelpPage>();

/**
 * A command's citty definition (its name, description and arguments, from its flag table) and,
 * from the same table, its help page: one source for the parser, citty and the help.
 */
export function commandDefinition(name: string, page: HelpPage, positionals: ArgsDef = {}): CommandDef {
  const definition: CommandDef = { meta: { name, description: page.description }, args: argsDef(page.flags, positionals) };
  // Every command reads minic's state and exits 0 or 125 unless its page says more.
  HELP_PAGES.set(definition, { ...page, environment: page.environment ?? COMMON_ENVIRONMENT, exitCodes: page.exitCodes ?? COMMAND_EXIT_CODES });
  return definition;
}

/** A command's help page (null for one made without commandDefinition); the main page for minic's own. */
export async function helpPage(definition: CommandDef): Promise<HelpPage> {
  return HELP_PAGES.get(definition) ?? (await mainPage());
}

/** A command's help, in Docker's shape. */
export async function usageText(definition: CommandDef): Promise<string> {
  const page = HELP_PAGES.get(definition);
  if (page !== undefined) return renderHelp(page);
  return renderHelp(await mainPage());
}

/** `minic --help`: every command with what it does, the global options, environment and exit codes. */
async function mainPage(): Promise<HelpPage> {
  const rows = await Promise.all(Object.entries(VERBS).map(async ([name, load]): Promise<[string, string]> => {
    const meta = (await load()).definition.meta;
    const description = meta !== undefined && "description" in meta ? String(meta.description ?? "") : "";
    return [name, description];
  }));
  return {
    usage: "minic [OPTIONS] COMMAND [ARG...]",
    description: "A small Linux container runtime you can read end to end. Docker's command line for people; runc's for engines (minic create --bundle, state, kill, delete, ... with runc's global flags).",
    flags: [
      { name: "debug", kind: "boolean", description: "Print debug messages and stack traces (also MINIC_DEBUG=1)" },
      { name: "version", short: "v", kind: "boolean", description: "Print the version (runc's shape; `minic version` for Docker's)" },
    ],
    commands: { title: "Commands", rows },
    examples: ["minic run --rm -it --rootfs ./rootfs sh", "minic run -d --name web -p 8080:80 --rootfs ./rootfs httpd -f", "minic help run"],
    environment: [...COMMON_ENVIRONMENT, ["NO_COLOR", "honoured always: minic writes no colour, to a terminal or not"]],
    exitCodes: RUN_EXIT_CODES,
  };
}

export async function printUsage(definition: CommandDef): Promise<number> {
  writeStdout(await usageText(definition));
  return 0;
}

/** One line per item on stdout (the names `rm`, `start` and `kill` echo back, as Docker's do). */
export function printLines(lines: string[]): number {
  for (const line of lines) writeStdout(`${line}\n`);
  return 0;
}
