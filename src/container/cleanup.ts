// `minic cleanup [--rm] ID`: conmon's exit command for a detached container (not for people;
// hidden from help). The container's process has exited and conmon has reaped it and written its
// status: the record says how it ended, its cgroup goes, and with --rm the container goes too.
import { driverFor, removeCgroup } from "../cgroups/cgroup.ts";
import { lockContainer, readRecord, stateRoot, writeRecord, type ContainerRecord } from "../state/store.ts";
import { isAlive } from "../process/identity.ts";
import { removeContainers } from "./list.ts";
import { exitFileCode } from "./stop.ts";
import { applyRestartPolicy } from "./restart.ts";
import { releaseNetwork } from "./network.ts";

export async function cleanupContainer(id: string, remove: boolean): Promise<void> {
  const root = stateRoot();
  const entry = readRecord(root, id);
  // Removed meanwhile (`rm -f`), or damaged: nothing of it to record. Stopped already, or
  // running again (started anew after its process was killed): not this exit's to touch.
  if (entry === null || entry.kind !== "ok" || !endedRun(entry.record)) return;
  if (remove) {
    await removeContainers([id], true);
    return;
  }
  const lock = lockContainer(root, id);
  try {
    const current = readRecord(root, id);
    if (current === null || current.kind !== "ok" || !endedRun(current.record)) return;
    const record = current.record;
    releaseNetwork(root, id);
    const oomKilled = record.cgroup !== null && driverFor(record.cgroup).oomKills(record.cgroup) > 0;
    if (record.cgroup !== null) removeCgroup(record.cgroup);
    writeRecord(root, { ...record, status: "stopped", exitCode: exitFileCode(root, id), finished: new Date().toISOString(), process: null, owner: null, cgroup: null, oomKilled });
  } finally {
    lock.release();
  }
  await applyRestartPolicy(root, id);
}

/** The record is of the run that just ended: not recorded as stopped yet, and its process gone. */
function endedRun(record: ContainerRecord): boolean {
  return record.status !== "stopped" && !isAlive(record.process);
}
