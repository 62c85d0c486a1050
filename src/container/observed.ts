// What a record means now. Read-only commands (ps, stats, inspect) never kill or delete: a
// container whose process is gone is shown as exited from what the record says, and its leftovers
// (cgroup, layer) go only when the user removes it (rm).
import { isAlive } from "../process/identity.ts";
import type { ContainerRecord } from "../state/store.ts";

/** Killed with its minic (SIGKILL through the parent-death signal): Docker's 137. */
const SIGKILL_EXIT_CODE = 137;

/** The record as it stands now: a created or running container whose init is gone is exited. */
export function observed(record: ContainerRecord): ContainerRecord {
  if (record.status === "stopped" || isAlive(record.process)) return record;
  // A `run` whose minic died took its container with it; a detached container's exit status is
  // its parent's to collect, so minic cannot know it.
  const killedWithOwner = record.owner !== null && !isAlive(record.owner);
  return { ...record, status: "stopped", exitCode: record.exitCode ?? (killedWithOwner ? SIGKILL_EXIT_CODE : null), process: null };
}
