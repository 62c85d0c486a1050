// minic answers two command lines: Docker's, for people, and runc's, for engines (containerd's
// shim, conmon, CRI-O and the OCI conformance suite call `RUNTIME [globals] VERB ...`). Which one
// a call speaks is decided here, before anything else is loaded: runc's global flags, a verb only
// runc has, or a flag only runc's form of a shared verb takes.
import { signalNumber } from "../process/signal-names.ts";

const RUNC_GLOBALS = ["--root", "--log", "--log-format", "--systemd-cgroup", "--rootless"];
// `pause` is Docker's too (by name, several at once); with runc's global flags, as engines call it, runc's.
const RUNC_VERBS = ["state", "delete", "list", "features", "resume", "spec", "update", "events"];
const RUNC_CREATE_FLAGS = ["--bundle", "-b", "--pid-file", "--console-socket", "--preserve-fds", "--no-pivot", "--no-new-keyring"];
const RUNC_EXEC_FLAGS = ["--process", "-p", "--pid-file", "--console-socket", "--detach", "-d", "--cwd", "--cap", "--no-new-privs", "--preserve-fds"];

/** `kill A B` is runc's only when B names a signal (else it is Docker's, two containers). */
function isSignal(token: string): boolean {
  return signalNumber(token) !== null;
}

/** Flags of either `ps` that take a value (Docker's -f is --filter, runc's --format). */
const PS_VALUE_FLAGS = ["-f", "--format", "--filter", "-n", "--last"];

/** The arguments that are neither flags nor the values of `valueFlags`. */
function positionalsOf(tokens: string[], valueFlags: string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token.startsWith("-")) {
      if (valueFlags.includes(token)) i++;
      continue;
    }
    found.push(token);
  }
  return found;
}

function flagName(token: string): string {
  return token.split("=", 1)[0] ?? token;
}

export function speaksRunc(argv: string[]): boolean {
  const first = argv[0] ?? "";
  if (RUNC_GLOBALS.includes(flagName(first))) return true;
  const [verb, ...rest] = first === "--debug" ? argv.slice(1) : argv;
  if (verb === undefined) return false;
  if (RUNC_VERBS.includes(verb)) return true;
  // Only the verb's leading options count: a command's own arguments (`exec web ls -d`) do not.
  const leading = rest.slice(0, rest.findIndex((token) => !token.startsWith("-")) >>> 0);
  if (verb === "create") return leading.some((token) => RUNC_CREATE_FLAGS.includes(flagName(token)));
  if (verb === "exec") return leading.some((token) => RUNC_EXEC_FLAGS.includes(flagName(token)));
  if (verb === "run") return leading.some((token) => RUNC_CREATE_FLAGS.includes(flagName(token)));
  // Docker's ps lists containers and takes no argument; runc's shows one container's processes.
  if (verb === "ps") return positionalsOf(rest, PS_VALUE_FLAGS).length > 0;
  if (verb === "kill") {
    // runc: kill [--all] ID [SIGNAL]; Docker: kill [-s SIGNAL] NAME...
    if (rest.includes("--all") || rest.includes("-a")) return true;
    const positionals = rest.filter((token) => !token.startsWith("-"));
    return !rest.includes("-s") && !rest.some((token) => token.startsWith("--signal")) && positionals.length === 2 && isSignal(positionals[1] ?? "");
  }
  return false;
}
