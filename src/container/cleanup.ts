// `minic cleanup [--rm] ID`: conmon's exit command for a detached container (not for people;
// hidden from help). The container's process has exited and conmon has reaped it and written its
// status: the record says how it ended, its cgroup goes, and with --rm the container goes too.
import { driverFor, removeCgroup } from "../cgroups/cgroup.ts";
import { lockContainer, readRecord, stateRoot, writeRecord } from "../state/store.ts";
import { removeContainers } from "./list.ts";
import { exitFileCode } from "./stop.ts";
import { applyRestartPolicy } from "./restart.ts";
import { releaseNetwork } from "./network.ts";

export async function cleanupContainer(id: string, remove: boolean): Promise<void> {
  const root = stateRoot();
  const entry = readRecord(root, id);
  // Removed meanwhile (`rm -f`), or damaged: nothing of it to record.
  if (entry === null || entry.kind !== "ok") return;
  if (remove) {
    await removeContainers([id], true);
    return;
  }
  const lock = lockContainer(root, id);
  try {
    const current = readRecord(root, id);
    if (current === null || current.kind !== "ok") return;
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
