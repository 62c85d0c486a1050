// The process model's parent side: clone a child that runs the plan natively, let it go,
// learn whether it reached execve, and learn how it exited. See ARCHITECTURE.md.
import { read } from "node:fs";
import { cloneFlagBits, encodePlan, loadExecutor, spawnPlan, type SpawnedPlan } from "../../ffi/executor.ts";
import { close, pipe, SystemError, writeAll } from "../../ffi/libc.ts";
import type { Plan } from "./plan.ts";

/** The executor could not complete op `index` of the plan; errno says why. */
export interface SetupFailure {
  index: number;
  errno: number;
}

export interface Child {
  pid: number;
  /** Let the child past its wait-parent op. */
  release(): void;
  /** null once the workload is exec'd; the failing op otherwise. */
  readonly setup: Promise<SetupFailure | null>;
  /** The raw wait status, when the child has exited and been reaped. */
  readonly exited: Promise<number>;
}

export function startChild(plan: Plan, executorCacheDir: string): Child {
  const executor = loadExecutor(executorCacheDir);
  const encoded = encodePlan(plan.ops);
  const report = pipe();
  const sync = pipe();
  const exit = pipe();
  let spawned: SpawnedPlan | null = spawnPlan(executor, encoded, cloneFlagBits(plan.cloneFlags), {
    reportWrite: report.writeEnd,
    reportRead: report.readEnd,
    syncRead: sync.readEnd,
    syncWrite: sync.writeEnd,
    exitWrite: exit.writeEnd,
  });
  const pid = spawned.pid;
  close(report.writeEnd);
  close(sync.readEnd);
  if (pid < 0) {
    for (const fd of [report.readEnd, sync.writeEnd, exit.readEnd, exit.writeEnd]) close(fd);
    throw new SystemError("clone", -pid);
  }
  // exit.writeEnd now belongs to the native thread that reaps the child.

  let released = false;
  return {
    pid,
    release() {
      if (released) return;
      released = true;
      writeAll(sync.writeEnd, new Uint8Array([1]));
      close(sync.writeEnd);
    },
    setup: readUpTo(report.readEnd, 8).then((bytes) => {
      close(report.readEnd);
      if (!released) {
        released = true; // the child failed before waiting for us: nothing to release
        close(sync.writeEnd);
      }
      if (bytes.length < 8) return null;
      return { index: bytes.readInt32LE(0), errno: bytes.readInt32LE(4) };
    }),
    exited: readUpTo(exit.readEnd, 4).then((bytes) => {
      close(exit.readEnd);
      spawned = null; // the child is gone: its plan's memory may be freed now
      return bytes.readInt32LE(0);
    }),
  };
}

/** Read until `size` bytes or end of file, on libuv's thread pool so the event loop stays free. */
function readUpTo(fd: number, size: number): Promise<Buffer> {
  const buffer = Buffer.alloc(size);
  return new Promise((resolve, reject) => {
    const step = (offset: number): void => {
      read(fd, buffer, offset, size - offset, null, (error, n) => {
        if (error) return reject(error);
        if (n === 0 || offset + n === size) return resolve(buffer.subarray(0, offset + n));
        step(offset + n);
      });
    };
    step(0);
  });
}

/** Docker's convention: the exit code, or 128 + the signal that killed the process. */
export function exitCodeOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}
