// `minic start`: let created containers' inits exec their commands (one byte on the exec fifo).
import { closeSync, constants, openSync, rmSync, writeSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import type { Spec } from "../spec/types.ts";
import { findContainer, lockContainer, readSpec, stateRoot, writeRecord, type ContainerRecord } from "../state/store.ts";
import { hookState, runLaterHooks, runPrestartHooks } from "./hooks.ts";
import { execFifo } from "./create.ts";
import { requireRoot } from "./privileges.ts";

/** Start each container named; every reference is checked before any is started. */
export function startContainers(refs: string[]): string[] {
  requireRoot();
  if (refs.length === 0) throw new MinicError("start needs at least one container name or id", undefined, "see 'minic start --help'");
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  for (const [i, record] of records.entries()) {
    if (record.status !== "created") throw new MinicError(`cannot start container ${refs[i]}: it is ${record.status === "running" ? "already running" : "not a created container"}`);
    if (!isAlive(record.process)) throw new MinicError(`cannot start container ${refs[i]}: its init is gone`);
  }
  for (const found of records) {
    const lock = lockContainer(root, found.id);
    try {
      // Read again under the lock: a second `start` or an `rm` may have come first.
      const record = findContainer(root, found.id);
      if (record.status !== "created") throw new MinicError(`cannot start container ${record.name}: it is already running`);
      release(root, record);
    } finally {
      lock.release();
    }
  }
  return refs;
}

/**
 * One byte on the exec fifo: the parked init execs its command. The spec's prestart hooks run
 * first (a failure stops the container and fails start), its poststart hooks after.
 */
function release(root: string, record: ContainerRecord): void {
  const spec = readSpec(root, record.id) as Pick<Spec, "hooks" | "annotations">;
  try {
    runPrestartHooks(spec.hooks, hookState(record, "created", spec.annotations ?? {}));
  } catch (error) {
    try {
      process.kill(record.process?.pid ?? 0, "SIGKILL");
    } catch {
      // already gone
    }
    throw error;
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
  rmSync(path, { force: true });
  writeRecord(root, { ...record, status: "running" });
  runLaterHooks("poststart", spec.hooks, hookState(record, "running", spec.annotations ?? {}));
}
