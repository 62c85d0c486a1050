import { readFileSync } from "node:fs";
import type { ProcessIdentity } from "../state/store.ts";

/** Field 22 of /proc/PID/stat (start time in clock ticks), or null when there is no such process. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}

export function identify(pid: number): ProcessIdentity | null {
  const startTime = processStartTime(pid);
  return startTime === null ? null : { pid, startTime };
}

/** True when the very process named by `identity` still exists (not merely its pid). */
export function isAlive(identity: ProcessIdentity | null): boolean {
  return identity !== null && processStartTime(identity.pid) === identity.startTime;
}
