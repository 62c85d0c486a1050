import { readdirSync, readlinkSync, rmSync, statSync, unlinkSync, existsSync } from "node:fs";
import { join } from "node:path";
import { removeCgroup } from "../cgroups/cgroup.ts";
import { log } from "../log.ts";
import { isAlive } from "../process/identity.ts";
import { containerDir, containersDir, listRecords, readRecord, removeContainer, writeRecord } from "../state/store.ts";

const ABANDONED_AFTER_MS = 60_000;
const SIGKILL_EXIT_CODE = 137;

/**
 * Clean what a minic that died (SIGKILL, power loss) left behind: its container was killed with
 * it (parent-death signal), so mark it exited, or remove it if it was started with --rm.
 * Every command calls this first, so a crash is repaired by the next command.
 */
export function recoverAbandoned(root: string): void {
  for (const record of listRecords(root)) {
    if (record.status === "exited" || isAlive(record.owner)) continue;
    if (record.process !== null && isAlive(record.process)) {
      try {
        process.kill(record.process.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    log.debug(`recovering container ${record.name}: its minic process is gone`);
    // Waits briefly (EBUSY) while the killed processes are torn down.
    if (record.cgroup) removeCgroup(record.cgroup);
    if (record.autoRemove) removeContainer(root, record.id, record.name);
    else {
      writeRecord(root, {
        ...record,
        status: "exited",
        exitCode: record.exitCode ?? SIGKILL_EXIT_CODE,
        finished: new Date().toISOString(),
        process: null,
        owner: null,
        cgroup: null,
      });
    }
  }
  removeHalfCreated(root);
  removeDanglingNames(root);
}

/** A container directory without a record is one whose creation was cut short. */
function removeHalfCreated(root: string): void {
  let ids: string[];
  try {
    ids = readdirSync(containersDir(root));
  } catch {
    return;
  }
  for (const id of ids) {
    const dir = containerDir(root, id);
    if (readRecord(root, id) !== null) continue;
    try {
      if (Date.now() - statSync(dir).mtimeMs < ABANDONED_AFTER_MS) continue;
    } catch {
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Names are claimed only once their container's directory exists, so a dangling one is stale. */
function removeDanglingNames(root: string): void {
  const namesDir = join(root, "names");
  let names: string[];
  try {
    names = readdirSync(namesDir);
  } catch {
    return;
  }
  for (const name of names) {
    try {
      const id = readlinkSync(join(namesDir, name));
      if (!existsSync(containerDir(root, id))) unlinkSync(join(namesDir, name));
    } catch {
      // raced with another minic: fine
    }
  }
}
