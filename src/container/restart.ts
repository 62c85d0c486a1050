// A container's restart policy carried out when it has exited: after Docker's delay it is started
// again (under conmon, with its writable layer), unless it was stopped by hand meanwhile.
import { log } from "../log.ts";
import { RESTART_ANNOTATION } from "../spec/from-run-flags.ts";
import { NO_RESTART, parseRestartPolicy, restartDelayMs, shouldRestart } from "../spec/restart-policy.ts";
import type { Spec } from "../spec/types.ts";
import { lockContainer, readRecord, readSpec, writeRecord, type ContainerRecord } from "../state/store.ts";

function current(root: string, id: string): ContainerRecord | null {
  const entry = readRecord(root, id);
  return entry !== null && entry.kind === "ok" ? entry.record : null;
}

/** Change a container's record under its lock; nothing if it is gone. */
export function updateRecord(root: string, id: string, change: (record: ContainerRecord) => ContainerRecord | null): void {
  const lock = lockContainer(root, id);
  try {
    const record = current(root, id);
    const changed = record === null ? null : change(record);
    if (changed !== null) writeRecord(root, changed);
  } finally {
    lock.release();
  }
}

export async function applyRestartPolicy(root: string, id: string): Promise<void> {
  const record = current(root, id);
  if (record === null || record.status !== "stopped") return;
  const annotation = (readSpec(root, id) as Pick<Spec, "annotations">).annotations?.[RESTART_ANNOTATION];
  const policy = annotation === undefined ? NO_RESTART : parseRestartPolicy(annotation);
  if (!shouldRestart(policy, record)) return;
  updateRecord(root, id, (latest) => ({ ...latest, restarting: true }));
  await Bun.sleep(restartDelayMs(record.restartCount));
  // `stop`, `kill` or `rm` may have come during the delay.
  const latest = current(root, id);
  if (latest === null || latest.status !== "stopped" || latest.manuallyStopped) {
    if (latest !== null) updateRecord(root, id, (again) => ({ ...again, restarting: false }));
    return;
  }
  updateRecord(root, id, (again) => ({ ...again, restarting: false, restartCount: again.restartCount + 1 }));
  try {
    const { startContainers } = await import("./start.ts");
    await startContainers([id], { runningIsDone: true, byRestartPolicy: true });
  } catch (error) {
    log.warn(`restarting container ${record.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
