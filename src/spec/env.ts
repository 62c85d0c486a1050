import { DEFAULT_PATH } from "./defaults.ts";
import { MinicError } from "../errors.ts";

/**
 * The workload's environment: Docker's defaults (PATH, HOSTNAME, HOME, TERM with a tty),
 * then each -e in order. `K=V` sets K; a bare `K` copies K from minic's environment,
 * or is dropped when minic has no K, as Docker does.
 */
export function containerEnv(
  userEnv: string[],
  defaults: { hostname: string; home: string; terminal: boolean },
  callerEnv: Record<string, string | undefined>,
): string[] {
  const env = new Map<string, string>([
    ["PATH", DEFAULT_PATH],
    ["HOSTNAME", defaults.hostname],
    ["HOME", defaults.home],
  ]);
  if (defaults.terminal) env.set("TERM", "xterm");
  for (const entry of userEnv) {
    const [key, value] = parseEnvEntry(entry);
    if (value !== null) env.set(key, value);
    else {
      const inherited = callerEnv[key];
      if (inherited !== undefined) env.set(key, inherited);
    }
  }
  return [...env].map(([key, value]) => `${key}=${value}`);
}

function parseEnvEntry(entry: string): [string, string | null] {
  const eq = entry.indexOf("=");
  const key = eq === -1 ? entry : entry.slice(0, eq);
  if (key === "" || /\s/.test(key)) {
    throw new MinicError(`invalid environment variable: "${entry}" (expected -e KEY=VALUE or -e KEY)`);
  }
  if (entry.includes("\0")) throw new MinicError(`invalid environment variable: ${key} contains a NUL byte`);
  return [key, eq === -1 ? null : entry.slice(eq + 1)];
}

/** The home directory of `uid` in an /etc/passwd text, or null when it has no such entry. */
export function homeFromPasswd(passwd: string, uid: number): string | null {
  for (const line of passwd.split("\n")) {
    const fields = line.split(":");
    if (fields.length >= 7 && fields[2] === String(uid) && fields[5]) return fields[5];
  }
  return null;
}

/** The value of PATH in an environment list, for the executor's command lookup. */
export function searchPath(env: string[]): string {
  const entry = env.findLast((item) => item.startsWith("PATH="));
  return entry === undefined ? DEFAULT_PATH : entry.slice("PATH=".length);
}

/**
 * The entries of an --env-file, as Docker reads one: a `K=V` or `K` a line, leading blanks
 * dropped, blank lines and lines starting with # skipped. A bad line is named by its number.
 */
export function parseEnvFile(text: string, path: string): string[] {
  const entries: string[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/^\s+/, "").replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = eq === -1 ? line : line.slice(0, eq);
    if (key === "" || /\s/.test(key) || line.includes("\0")) {
      throw new MinicError(`invalid --env-file ${path}, line ${index + 1}: "${line}" (expected KEY=VALUE or KEY)`);
    }
    entries.push(line);
  });
  return entries;
}
