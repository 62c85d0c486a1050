// --ulimit, --sysctl and --oom-score-adj, checked as Docker checks them.
import { MinicError } from "../errors.ts";
import type { RlimitName } from "../plan/linux.ts";
import type { Rlimit } from "./types.ts";

/** Docker's --ulimit names. */
const ULIMITS: Record<string, RlimitName> = {
  core: "RLIMIT_CORE", cpu: "RLIMIT_CPU", data: "RLIMIT_DATA", fsize: "RLIMIT_FSIZE", locks: "RLIMIT_LOCKS",
  memlock: "RLIMIT_MEMLOCK", msgqueue: "RLIMIT_MSGQUEUE", nice: "RLIMIT_NICE", nofile: "RLIMIT_NOFILE",
  nproc: "RLIMIT_NPROC", rss: "RLIMIT_RSS", rtprio: "RLIMIT_RTPRIO", rttime: "RLIMIT_RTTIME",
  sigpending: "RLIMIT_SIGPENDING", stack: "RLIMIT_STACK", as: "RLIMIT_AS",
};

/** RLIM_INFINITY, what "unlimited" and -1 mean: 2^64-1 in OCI's JSON, which reads as 2^64. */
export const UNLIMITED = 18446744073709551615;

function limitValue(text: string, flag: string): number {
  if (text === "unlimited" || text === "-1") return UNLIMITED;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new MinicError(`invalid --ulimit "${flag}": ${text} is not a number or "unlimited"`);
  return Number(text);
}

/** NAME=SOFT[:HARD]; a missing HARD is SOFT. */
export function parseUlimit(value: string): Rlimit {
  const [name = "", limits = ""] = value.split("=", 2);
  const type = ULIMITS[name];
  if (type === undefined || !Object.hasOwn(ULIMITS, name)) {
    throw new MinicError(`invalid --ulimit "${value}": unknown limit "${name}" (known: ${Object.keys(ULIMITS).join(", ")})`);
  }
  const [softText = "", hardText, extra] = limits.split(":");
  if (softText === "" || extra !== undefined) throw new MinicError(`invalid --ulimit "${value}": expected NAME=SOFT[:HARD]`);
  const soft = limitValue(softText, value);
  const hard = hardText === undefined ? soft : limitValue(hardText, value);
  if (soft > hard) throw new MinicError(`invalid --ulimit "${value}": the soft limit ${softText} is above the hard limit ${hardText}`);
  return { type, soft, hard };
}

/**
 * K=V for a kernel setting the container's own namespaces scope: IPC's (kernel.shm*, kernel.msg*,
 * kernel.sem, fs.mqueue.*) always, the network's (net.*) only with a network namespace of its own.
 * Anything else would change the host.
 */
export function parseSysctl(value: string, ownNetwork: boolean): [string, string] {
  const at = value.indexOf("=");
  const key = at > 0 ? value.slice(0, at) : "";
  if (key === "" || !/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(key)) throw new MinicError(`invalid --sysctl "${value}": expected KEY=VALUE, e.g. net.ipv4.ip_forward=1`);
  const ipc = key.startsWith("kernel.shm") || key.startsWith("kernel.msg") || key === "kernel.sem" || key.startsWith("fs.mqueue.");
  if (key.startsWith("net.") && !ownNetwork) {
    throw new MinicError(`invalid --sysctl "${value}": net.* settings need the container's own network namespace, not the host's (--network host)`);
  }
  if (!ipc && !key.startsWith("net.")) throw new MinicError(`invalid --sysctl "${value}": ${key} is not namespaced: it would change the host (allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)`);
  return [key, value.slice(at + 1)];
}

export function parseOomScoreAdj(value: string): number {
  if (!/^-?\d+$/.test(value) || Number(value) < -1000 || Number(value) > 1000) throw new MinicError(`invalid --oom-score-adj "${value}": expected a whole number from -1000 to 1000`);
  return Number(value);
}
