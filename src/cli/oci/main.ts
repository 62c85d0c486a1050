// runc's command line, for engines: global flags, then a verb. Errors are one line on stderr and,
// with --log, a JSON or text line in that file (engines read the last error there), and exit 1.
import { appendFileSync } from "node:fs";
import { EXIT, MinicError, ReaderGone } from "../../errors.ts";
import { enableDebug, log } from "../../log.ts";
import { parseCommandLine, stringFlag, booleanFlag, type FlagSpec, type FlagValues } from "../argv.ts";
import { writeStdout } from "../../output.ts";

export interface OciVerb {
  /** Parses the verb's own flags and arguments, calls the runtime, prints; resolves to 0. */
  run(argv: string[]): Promise<number>;
}

const VERBS: Record<string, () => Promise<OciVerb>> = {
  create: async () => (await import("./create.ts")).verb,
  start: async () => (await import("./start.ts")).verb,
  state: async () => (await import("./state.ts")).verb,
  kill: async () => (await import("./kill.ts")).verb,
  delete: async () => (await import("./delete.ts")).verb,
  list: async () => (await import("./list.ts")).verb,
  exec: async () => (await import("./exec.ts")).verb,
  ps: async () => (await import("./ps.ts")).verb,
  run: async () => (await import("./run.ts")).verb,
  spec: async () => (await import("./spec.ts")).verb,
  update: async () => (await import("./update.ts")).verb,
  events: async () => (await import("./events.ts")).verb,
  pause: async () => (await import("./pause.ts")).pause,
  resume: async () => (await import("./pause.ts")).resume,
  features: async () => (await import("./features.ts")).verb,
};

const GLOBALS: FlagSpec[] = [
  { name: "root", kind: "string", valueHint: "DIR", description: "Where container state lives (default: minic's store, MINIC_ROOT or /var/lib/minic)" },
  { name: "log", kind: "string", valueHint: "FILE", description: "Also write errors to FILE" },
  { name: "log-format", kind: "string", valueHint: "text|json", description: "The --log file's format (default text)" },
  { name: "debug", kind: "boolean", description: "Debug messages" },
  { name: "systemd-cgroup", kind: "boolean", description: "Refused: minic manages cgroups itself (cgroupfs)" },
  { name: "rootless", kind: "string", valueHint: "auto|true|false", description: "Accepted, as runc takes it: minic is rootless exactly when an ordinary user runs it" },
  { name: "version", short: "v", kind: "boolean", description: "Print the version" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];

const EXIT_FAILURE = 1;

/** --preserve-fds N: how many of this command's fds from 3 up the process keeps. */
/** --no-pivot and --no-new-keyring, which create and run share. */
export const BUNDLE_FLAGS: FlagSpec[] = [
  { name: "no-pivot", kind: "boolean", description: "Enter the root by moving it onto / and chroot, not pivot_root (for a root on ramfs)" },
  { name: "no-new-keyring", kind: "boolean", description: "Keep this command's session keyring instead of a new one for the container" },
];

export function bundleOptions(flags: FlagValues): { noPivot: boolean; noNewKeyring: boolean } {
  return { noPivot: booleanFlag(flags, "no-pivot"), noNewKeyring: booleanFlag(flags, "no-new-keyring") };
}

export function preserveFds(flags: FlagValues): number {
  const text = stringFlag(flags, "preserve-fds") ?? "0";
  if (!/^\d+$/.test(text) || Number(text) > 1024) throw new MinicError(`invalid --preserve-fds "${text}": expected a number of file descriptors`);
  return Number(text);
}

export async function runOci(argv: string[]): Promise<number> {
  let logFile: string | null = null;
  let logFormat = "text";
  try {
    const { flags, positionals } = parseCommandLine(argv, GLOBALS, "");
    logFile = stringFlag(flags, "log");
    logFormat = stringFlag(flags, "log-format") ?? "text";
    if (logFormat !== "text" && logFormat !== "json") throw new MinicError(`invalid --log-format "${logFormat}": expected text or json`);
    if (booleanFlag(flags, "debug")) enableDebug();
    if (booleanFlag(flags, "version")) {
      writeStdout((await import("../version.ts")).versionText());
      return 0;
    }
    if (booleanFlag(flags, "systemd-cgroup")) {
      throw new MinicError("--systemd-cgroup is not supported: minic manages cgroups through the cgroup file system; configure the engine for cgroupfs");
    }
    const root = stringFlag(flags, "root");
    // The runtime reads its state directory from MINIC_ROOT, whichever command line set it.
    if (root !== null) process.env.MINIC_ROOT = root;
    const [name = "", ...rest] = positionals;
    const load = Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
    if (load === undefined) throw new MinicError(name === "" ? "no command given" : `unknown command "${name}"`);
    return await (await load()).run(rest);
  } catch (error) {
    if (error instanceof ReaderGone) return EXIT.readerGone;
    const message = error instanceof MinicError ? (error.hint ? `${error.message} (${error.hint})` : error.message) : error instanceof Error ? error.message : String(error);
    log.error(message);
    if (logFile !== null) writeLog(logFile, logFormat, message);
    return EXIT_FAILURE;
  }
}

function writeLog(file: string, format: string, message: string): void {
  const time = new Date().toISOString();
  const line = format === "json" ? JSON.stringify({ level: "error", msg: message, time }) : `time="${time}" level=error msg=${JSON.stringify(message)}`;
  try {
    appendFileSync(file, `${line}\n`);
  } catch {
    // the error is on stderr already
  }
}
