// `minic kill`: a signal to each named container's init (default SIGKILL, as docker kill).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerRecord } from "../state/store.ts";
import { MinicError } from "../errors.ts";
import { parseSignal } from "../process/signal-names.ts";

export { parseSignal };
import { isAlive } from "../process/identity.ts";
import { findContainer, stateRoot } from "../state/store.ts";
import { containerById } from "./state.ts";
import { updateRecord } from "./restart.ts";

/** HUP, INT, QUIT, KILL, TERM. */
const ENDING_SIGNALS = new Set([1, 2, 3, 9, 15]);

export function killContainers(refs: string[], signal: string | null): string[] {
  if (refs.length === 0) throw new MinicError("kill needs at least one container name or id", undefined, "see 'minic kill --help'");
  const number = parseSignal(signal ?? "KILL");
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  for (const [i, record] of records.entries()) {
    if (record.status === "stopped" || !isAlive(record.process)) throw new MinicError(`cannot kill container ${refs[i]}: it is not running`);
  }
  for (const record of records) {
    // As docker kill: the restart policy leaves a container killed by hand stopped (by a signal
    // that ends a process; USR1 and the like do not count).
    if (ENDING_SIGNALS.has(number)) updateRecord(root, record.id, (latest) => ({ ...latest, manuallyStopped: true }));
    try {
      process.kill(record.process?.pid ?? 0, number);
    } catch {
      // it exited between the check and the signal: what the user asked for has happened
    }
  }
  return refs;
}

/**
 * `kill [--all] ID [SIGNAL]` (runc's command line): the signal to the container's init, or with
 * `all` to every process of its cgroup. A created container's parked init can be signalled too.
 */
export function killById(id: string, signal: string, all: boolean): void {
  const number = parseSignal(signal);
  const record = containerById(id);
  if (record.status === "stopped") throw new MinicError(`container ${id} is not running`);
  const pids = all ? containerProcesses(record) : [record.process?.pid ?? 0];
  for (const pid of pids) {
    try {
      process.kill(pid, number);
    } catch {
      // gone between the listing and the signal
    }
  }
}

/** Every process of the container: its cgroup's (any one hierarchy holds them all), else its init. */
export function containerProcesses(record: ContainerRecord): number[] {
  const dir = record.cgroup?.dirs[0];
  if (dir === undefined) return record.process === null ? [] : [record.process.pid];
  try {
    return readFileSync(join(dir.path, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
