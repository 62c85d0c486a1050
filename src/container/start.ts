// `minic start`: let created containers' inits exec their commands (one byte on the exec fifo).
import { closeSync, constants, openSync, rmSync, writeSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import type { Spec } from "../spec/types.ts";
import { detachedBundleDir, findContainer, lockContainer, readSpec, stateRoot, writeRecord, type ContainerRecord } from "../state/store.ts";
import { hookState, runLaterHooks, runPrestartHooks, runStartContainerHooks } from "./hooks.ts";
import { execFifo } from "./create.ts";
import { removeContainers } from "./list.ts";
import { observed } from "./observed.ts";
import { releaseNetwork } from "./network.ts";
import { removeCgroup } from "../cgroups/cgroup.ts";

/** A prestart hook failed: the container is to be stopped and deleted (the spec's step 9). */
class PrestartFailed extends MinicError {}

/**
 * Start each container named; every reference is checked before any is started. With
 * `runningIsDone` (Docker's start), one already running is left as it is. A stopped container
 * of minic's own is made again under conmon first; an engine's is not (runc's start fails).
 * Returns the references of minic's own containers (Docker's start prints them); one made from
 * an engine's bundle is not among them: the engine reads nothing from start, as from runc's.
 */
export async function startContainers(
  refs: string[],
  options: { runningIsDone?: boolean; beforeRelease?: (record: ContainerRecord) => void; byRestartPolicy?: boolean } = {},
): Promise<string[]> {
  if (refs.length === 0) throw new MinicError("start needs at least one container name or id", undefined, "see 'minic start --help'");
  const root = stateRoot();
  // A running record whose process is gone (its conmon or minic was killed) is a stopped container.
  let records = refs.map((ref) => observed(findContainer(root, ref)));
  const own = refs.filter((_, i) => startsAgain(root, records[i] as ContainerRecord));
  // Docker's start leaves a running container as it is; runc's fails, as the runtime spec says.
  if (options.runningIsDone === true) records = records.filter((record) => record.status !== "running");
  for (const record of records) {
    if (record.status === "stopped" && startsAgain(root, record)) continue;
    if (record.status !== "created") throw new MinicError(`cannot start container ${record.name}: it is ${record.status === "running" ? "already running" : "not a created container"}`);
    if (!isAlive(record.process)) throw new MinicError(`cannot start container ${record.name}: its init is gone`);
  }
  // Stopped ones of minic's own are made again under conmon (parked, as created), then let go.
  const again = records.filter((record) => record.status === "stopped");
  /** What each container this call made again was before: a failed attach puts it back so. */
  const before = new Map<string, ContainerRecord>();
  if (again.length > 0) {
    const { createAgain } = await import("./run-detached.ts");
    for (const record of again) {
      // Under the lock, so that two starts (or a start and a restart policy) cannot both make it.
      const lock = lockContainer(root, record.id);
      try {
        const stored = findContainer(root, record.id);
        const latest = observed(stored);
        // Made already by whoever came first, or stopped by hand since a restart policy decided.
        if (latest.status !== "stopped" || (options.byRestartPolicy === true && latest.manuallyStopped)) continue;
        // Its process died unrecorded (its monitor was killed): its leftovers go, it is stopped.
        if (stored.status !== "stopped") {
          releaseNetwork(root, stored.id);
          if (stored.cgroup !== null) removeCgroup(stored.cgroup);
          writeRecord(root, { ...latest, cgroup: null });
        }
        await createAgain(findContainer(root, record.id));
        before.set(record.id, latest);
      } finally {
        lock.release();
      }
    }
    records = records.map((record) => findContainer(root, record.id)).filter((record) => record.status === "created");
  }
  for (const found of records) {
    const lock = lockContainer(root, found.id);
    let spec: HookSpec;
    let attachFailed: { error: unknown } | null = null;
    try {
      // Read again under the lock: a second `start` or an `rm` may have come first.
      const record = findContainer(root, found.id);
      if (record.status !== "created") throw new MinicError(`cannot start container ${record.name}: it is already running`);
      spec = readSpec(root, record.id) as HookSpec;
      // start -a: the attach is made while the process is still parked, so no output is missed.
      try {
        options.beforeRelease?.(record);
      } catch (error) {
        attachFailed = { error };
      }
      if (attachFailed === null) release(root, record, spec);
    } catch (error) {
      if (!(error instanceof PrestartFailed)) throw error;
      lock.release();
      // As the runtime spec says after a failed prestart hook: the container is deleted (its
      // poststop hooks run), and start fails.
      const spec = readSpec(root, found.id) as HookSpec;
      await removeContainers([found.id], true);
      runLaterHooks("poststop", spec.hooks, hookState(found, "stopped", spec.annotations ?? {}));
      throw error;
    } finally {
      lock.release();
    }
    if (attachFailed !== null) {
      // It never ran: one made again for this start is stopped as it was, not left parked.
      const previous = before.get(found.id);
      if (previous !== undefined) await parkedBack(root, found, previous);
      throw attachFailed.error;
    }
    startedHooks(found, spec);
  }
  return own;
}

/**
 * A container this start made again (parked under conmon) that will not start after all: under
 * its lock, if it is still that parked process, it is marked stopped by hand (so that its restart
 * policy leaves it be) and its init killed; conmon's cleanup records it stopped, and its record
 * then says again what it said before (exit code, times), as if this start had not been tried.
 */
async function parkedBack(root: string, made: ContainerRecord, previous: ContainerRecord): Promise<void> {
  // Removed meanwhile (`rm -f`): nothing is left to put back.
  const current = (): ContainerRecord | null => {
    try {
      return findContainer(root, made.id);
    } catch {
      return null;
    }
  };
  if (current() === null) return;
  const lock = lockContainer(root, made.id);
  try {
    const latest = current();
    // Started or removed meanwhile by another command: not this start's to undo.
    if (latest === null || latest.status !== "created" || latest.process === null || !isAlive(latest.process)) return;
    writeRecord(root, { ...latest, manuallyStopped: true });
    process.kill(latest.process.pid, "SIGKILL");
  } finally {
    lock.release();
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (current()?.status ?? "stopped") !== "stopped") await Bun.sleep(20);
  if (current() === null) return;
  const after = lockContainer(root, made.id);
  try {
    const latest = current();
    if (latest === null || latest.status !== "stopped") return;
    const { exitCode, started, finished, oomKilled, manuallyStopped, restartCount } = previous;
    writeRecord(root, { ...latest, exitCode, started, finished, oomKilled, manuallyStopped, restartCount });
  } finally {
    after.release();
  }
}

type HookSpec = Pick<Spec, "hooks" | "annotations">;

/** minic's own containers (run, run -d, create) start again; an engine's bundle does not, as runc's. */
function startsAgain(root: string, record: ContainerRecord): boolean {
  return record.bundle === null || record.bundle === detachedBundleDir(root, record.id);
}

/** poststart hooks: release() has seen the process start. */
function startedHooks(record: ContainerRecord, spec: HookSpec): void {
  runLaterHooks("poststart", spec.hooks, hookState(record, "running", spec.annotations ?? {}));
}

/**
 * One byte on the exec fifo: the parked init execs its command. The spec's prestart hooks run
 * first (a failure stops the container and fails start), its poststart hooks after.
 */
function release(root: string, record: ContainerRecord, spec: HookSpec): void {
  try {
    runPrestartHooks(spec.hooks, hookState(record, "created", spec.annotations ?? {}));
    runStartContainerHooks(spec.hooks, hookState(record, "created", spec.annotations ?? {}), record.process?.pid ?? 0);
  } catch (error) {
    throw new PrestartFailed(error instanceof Error ? error.message : String(error));
  }
  const path = execFifo(root, record.id);
  let fd: number;
  try {
    // Without a reader (the init is gone) this fails at once with ENXIO instead of blocking.
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    throw new MinicError(`cannot start container ${record.name}: its init is no longer waiting`);
  }
  try {
    writeSync(fd, new Uint8Array([0]));
  } finally {
    closeSync(fd);
  }
  // poststart hooks run once the process has started: the init's end of the fifo closes when it
  // execs, and the fifo then has no reader.
  if ((spec.hooks?.poststart ?? []).length > 0) waitForNoReader(path);
  rmSync(path, { force: true });
  writeRecord(root, { ...record, status: "running", started: new Date().toISOString() });
}

const EXEC_WAIT_MS = 2000;

function waitForNoReader(path: string): void {
  const deadline = Date.now() + EXEC_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      return; // ENXIO: nobody reads it any more
    }
    Bun.sleepSync(1);
  }
}
