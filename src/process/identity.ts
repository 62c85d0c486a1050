import { readFileSync } from "node:fs";
import type { ProcessIdentity } from "../state/store.ts";

/** Fields 3 (state) and 22 (start time in clock ticks) of /proc/PID/stat; null: no such process. */
function readStat(pid: number): { state: string; startTime: string } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const [state, startTime] = [fields[0], fields[19]];
  return state === undefined || startTime === undefined ? null : { state, startTime };
}

/** The start time of `pid` in clock ticks, or null when there is no such process. */
export function processStartTime(pid: number): string | null {
  return readStat(pid)?.startTime ?? null;
}

export function identify(pid: number): ProcessIdentity | null {
  const startTime = processStartTime(pid);
  return startTime === null ? null : { pid, startTime };
}

/**
 * True when the very process named by `identity` still runs (not merely its pid). A zombie does
 * not count: a detached container's init that died waits as one until its parent reaps it.
 */
export function isAlive(identity: ProcessIdentity | null): boolean {
  if (identity === null) return false;
  const stat = readStat(identity.pid);
  return stat !== null && stat.startTime === identity.startTime && stat.state !== "Z" && stat.state !== "X";
}
