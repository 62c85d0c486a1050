// The process model's parent side: clone a child that runs the plan natively, let it go,
// learn whether it reached execve, and learn how it exited. See ARCHITECTURE.md.
import { read } from "node:fs";
import { cloneFlagBits, encodePlan, loadExecutor, REPORT_TERMINAL, spawnPlan, type NativeExecutor, type SpawnedPlan } from "../../native/executor.ts";
import { close, pipe, SystemError, writeAll } from "../../native/libc.ts";
import type { Plan } from "../plan/plan.ts";

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

export interface ChildHooks {
  /** The container's terminal master, handed over during setup (plans with a terminal op). */
  terminal?(master: number, executor: NativeExecutor): void;
}

export function startChild(plan: Plan, executorCacheDir: string, hooks: ChildHooks = {}): Child {
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

  // One byte lets the child past each wait: wait-parent, then the terminal handover.
  const letGo = (): void => writeAll(sync.writeEnd, new Uint8Array([1]));
  let released = false;

  /** Report records until end of file (execve) or a failure; a terminal record is answered. */
  const readSetup = async (): Promise<SetupFailure | null> => {
    for (;;) {
      const bytes = await readUpTo(report.readEnd, 8);
      if (bytes.length < 8) return null;
      const index = bytes.readInt32LE(0);
      const value = bytes.readInt32LE(4);
      if (index !== REPORT_TERMINAL) return { index, errno: value };
      const master = executor.takeFd(pid, value);
      if (master < 0) throw new SystemError("pidfd_getfd", -master);
      hooks.terminal?.(master, executor);
      letGo();
    }
  };

  return {
    pid,
    release() {
      if (released) return;
      released = true;
      letGo();
    },
    setup: readSetup().finally(() => {
      close(report.readEnd);
      close(sync.writeEnd); // a child still waiting now sees end of file and fails
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
