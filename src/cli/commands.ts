// The commands: citty definitions (for usage text) and thin handlers that parse argv and call
// the runtime. Parsing is ours (see argv.ts) because options must stop at the first positional.
import type { ArgsDef, CommandDef } from "citty";
import { buildRootfs } from "../image/build.ts";
import { listContainers, removeContainers } from "../container/list.ts";
import { prepareRun, runContainer } from "../container/run.ts";
import { containerStats } from "../container/stats.ts";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { BUILD_FLAGS, parseBuildArgs } from "./build-args.ts";
import { containerTable, statsTable } from "./format.ts";
import { entryId } from "../state/store.ts";
import { shortId } from "../state/names.ts";
import { RUN_FLAGS, parseRunArgs } from "./run-args.ts";
import type { RunOptions } from "../spec/run-options.ts";
import { EXEC_FLAGS, parseExecArgs } from "./exec-args.ts";
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

export interface Command {
  definition: CommandDef;
  /** Runs the command; resolves to minic's exit code. */
  handle(argv: string[]): Promise<number>;
}

function argsDef(flags: FlagSpec[], positionals: ArgsDef = {}): ArgsDef {
  const def: ArgsDef = {};
  for (const flag of flags) {
    def[flag.name] =
      flag.kind === "boolean"
        ? { type: "boolean", description: flag.description, ...(flag.short ? { alias: flag.short } : {}) }
        : { type: "string", description: flag.description, valueHint: flag.valueHint, ...(flag.short ? { alias: flag.short } : {}) };
  }
  return { ...positionals, ...def };
}

export const mainDefinition: CommandDef = {
  meta: { name: "minic", version: VERSION, description: "A small Linux container runtime you can read end to end" },
  args: {
    debug: { type: "boolean", description: "Print debug messages and stack traces (also MINIC_DEBUG=1)" },
    version: { type: "boolean", alias: "v", description: "Print the version" },
  },
  subCommands: {
    build: () => buildDefinition,
    run: () => runDefinition,
    create: () => createDefinition,
    start: () => startDefinition,
    exec: () => execDefinition,
    kill: () => killDefinition,
    ps: () => psDefinition,
    rm: () => rmDefinition,
    stats: () => statsDefinition,
  },
};

const buildDefinition: CommandDef = {
  meta: { name: "build", description: "Build a root filesystem from a Dockerfile with a Docker engine" },
  args: argsDef(BUILD_FLAGS, {
    context: { type: "positional", required: false, description: "The build context directory (default .)" },
  }),
};

const runDefinition: CommandDef = {
  meta: { name: "run", description: "Run a command in a new container" },
  args: argsDef(RUN_FLAGS, {
    command: { type: "positional", required: false, description: "Command to run as PID 1 (default /bin/sh), followed by its arguments; options end at the command" },
  }),
};

const createDefinition: CommandDef = {
  meta: { name: "create", description: "Create a container, set up and parked before its command runs; `minic start` runs it" },
  args: argsDef(RUN_FLAGS, {
    command: { type: "positional", required: false, description: "Command to run as PID 1 (default /bin/sh), followed by its arguments" },
  }),
};

const HELP_ONLY: FlagSpec[] = [{ name: "help", short: "h", kind: "boolean", description: "Show this help" }];
const startDefinition: CommandDef = {
  meta: { name: "start", description: "Start created containers (their commands run detached from this shell's minic)" },
  args: argsDef(HELP_ONLY, {
    container: { type: "positional", required: true, description: "One or more container names or ids" },
  }),
};

const execDefinition: CommandDef = {
  meta: { name: "exec", description: "Run a command in a running container" },
  args: argsDef(EXEC_FLAGS, {
    container: { type: "positional", required: true, description: "The container's name or id, then the command and its arguments" },
  }),
};

const KILL_FLAGS: FlagSpec[] = [
  { name: "signal", short: "s", kind: "string", valueHint: "SIGNAL", description: "Signal to send, by name or number (default KILL)" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];
const killDefinition: CommandDef = {
  meta: { name: "kill", description: "Send a signal to running containers' main process" },
  args: argsDef(KILL_FLAGS, {
    container: { type: "positional", required: true, description: "One or more container names or ids" },
  }),
};

const PS_FLAGS: FlagSpec[] = [
  { name: "all", short: "a", kind: "boolean", description: "Show all containers (default shows just running)" },
  { name: "quiet", short: "q", kind: "boolean", description: "Only display container ids" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];
const psDefinition: CommandDef = {
  meta: { name: "ps", description: "List containers" },
  args: argsDef(PS_FLAGS),
};

const RM_FLAGS: FlagSpec[] = [
  { name: "force", short: "f", kind: "boolean", description: "Kill running containers first, and remove damaged records" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];
const rmDefinition: CommandDef = {
  meta: { name: "rm", description: "Remove stopped containers and their writable layers" },
  args: argsDef(RM_FLAGS, {
    container: { type: "positional", required: true, description: "One or more container names or ids (a unique id prefix is enough)" },
  }),
};

const STATS_FLAGS: FlagSpec[] = [
  { name: "no-stream", kind: "boolean", description: "Print one sample and exit (what stats always does; accepted as Docker spells it)" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];
const statsDefinition: CommandDef = {
  meta: { name: "stats", description: "Show CPU time, memory and process counts of running containers, read from their cgroups" },
  args: argsDef(STATS_FLAGS, {
    container: { type: "positional", required: false, description: "Container names or ids (default: every running container)" },
  }),
};

/** Usage text, with citty's colours only when a person is looking at it. */
export async function usageText(definition: CommandDef, parent?: CommandDef): Promise<string> {
  // citty is loaded only when usage is shown: a plain run should not pay for it.
  const { renderUsage } = await import("citty");
  const text = await renderUsage(definition, parent);
  return process.stdout.isTTY ? text : text.replace(/\u001b\[[0-9;]*m/g, "");
}

async function usage(definition: CommandDef): Promise<number> {
  process.stdout.write(`${await usageText(definition, mainDefinition)}\n`);
  return 0;
}

/** --dry-run: the spec and the plan as JSON; nothing is created. */
function printPlan(options: RunOptions): number {
  const { spec, plan } = prepareRun(options);
  process.stdout.write(`${JSON.stringify({ spec, plan }, null, 2)}\n`);
  return 0;
}

export const COMMANDS: Record<string, Command> = {
  build: {
    definition: buildDefinition,
    async handle(argv) {
      const { help, options } = parseBuildArgs(argv);
      if (help) return usage(buildDefinition);
      await buildRootfs(options);
      return 0;
    },
  },
  run: {
    definition: runDefinition,
    async handle(argv) {
      const { help, options } = parseRunArgs(argv);
      if (help) return usage(runDefinition);
      if (options.dryRun) return printPlan(options);
      return runContainer(options);
    },
  },
  create: {
    definition: createDefinition,
    async handle(argv) {
      const { help, options } = parseRunArgs(argv, "create");
      if (help) return usage(createDefinition);
      const { createContainer, refuseAttachedFlags } = await import("../container/create.ts");
      if (options.dryRun) {
        refuseAttachedFlags(options);
        return printPlan(options);
      }
      process.stdout.write(`${await createContainer(options)}\n`);
      return 0;
    },
  },
  start: {
    definition: startDefinition,
    async handle(argv) {
      const { flags, positionals } = parseCommandLine(argv, HELP_ONLY, "start");
      if (booleanFlag(flags, "help")) return usage(startDefinition);
      const { startContainers } = await import("../container/start.ts");
      for (const ref of startContainers(positionals)) process.stdout.write(`${ref}\n`);
      return 0;
    },
  },
  exec: {
    definition: execDefinition,
    async handle(argv) {
      const { help, options } = parseExecArgs(argv);
      if (help) return usage(execDefinition);
      const { execInContainer } = await import("../container/exec.ts");
      return execInContainer(options);
    },
  },
  kill: {
    definition: killDefinition,
    async handle(argv) {
      const { flags, positionals } = parseCommandLine(argv, KILL_FLAGS, "kill");
      if (booleanFlag(flags, "help")) return usage(killDefinition);
      const { killContainers } = await import("../container/kill.ts");
      for (const ref of killContainers(positionals, stringFlag(flags, "signal"))) process.stdout.write(`${ref}\n`);
      return 0;
    },
  },
  ps: {
    definition: psDefinition,
    async handle(argv) {
      const { flags } = parseCommandLine(argv, PS_FLAGS, "ps");
      if (booleanFlag(flags, "help")) return usage(psDefinition);
      const entries = listContainers(booleanFlag(flags, "all"));
      const text = booleanFlag(flags, "quiet")
        ? entries.map((entry) => shortId(entryId(entry))).join("\n")
        : containerTable(entries, Date.now());
      if (text.length > 0) process.stdout.write(`${text}\n`);
      return 0;
    },
  },
  rm: {
    definition: rmDefinition,
    async handle(argv) {
      const { flags, positionals } = parseCommandLine(argv, RM_FLAGS, "rm");
      if (booleanFlag(flags, "help")) return usage(rmDefinition);
      for (const ref of await removeContainers(positionals, booleanFlag(flags, "force"))) process.stdout.write(`${ref}\n`);
      return 0;
    },
  },
  stats: {
    definition: statsDefinition,
    async handle(argv) {
      const { flags, positionals } = parseCommandLine(argv, STATS_FLAGS, "stats");
      if (booleanFlag(flags, "help")) return usage(statsDefinition);
      process.stdout.write(`${statsTable(containerStats(positionals))}\n`);
      return 0;
    },
  },
};
