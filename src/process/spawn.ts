// The process model's parent side: clone a child that runs a plan natively, let it past its
// first wait, learn how its setup ended (exec'd, ready and parked, or which op failed), and learn
// how it exited. Pipes are read on the event loop (Bun's epoll-driven stream), never on the
// small file-system thread pool, where two or three pending reads stalled every other fs call.
import type { NativeExecutor } from "../../native/executor.ts";
import { executorIn } from "./executor.ts";
import { close, pipe, SystemError, writeAll } from "../../native/libc.ts";
import { encodeJob, encodePlan } from "../plan/encode.ts";
import { constant, offsetOf, sizeOf } from "../plan/protocol.ts";
import type { Plan } from "../plan/plan.ts";

/** How setup ended: exec'd (run, exec), parked at wait-start (create), or an op failed. */
export type SetupOutcome = { kind: "started" } | { kind: "ready" } | { kind: "failed"; index: number; errno: number };

export interface Child {
  pid: number;
  executor: NativeExecutor;
  /** Let the child past its wait-parent op. */
  release(): void;
  readonly setup: Promise<SetupOutcome>;
  /** The raw wait status once the child has exited and been reaped; null when not watched. */
  readonly exited: Promise<number> | null;
}

export interface ChildOptions {
  /** A native thread reaps the child and reports its status (run, exec). A created container's
   *  init is left to whoever is its parent or subreaper once its creator exits. */
  watch: boolean;
  /** Share minic's memory (CLONE_VM): only for watched children, whose parent waits for setup. */
  shareMemory: boolean;
  /** SIGKILL the child if minic dies (run, exec); never for a created container. */
  dieWithParent: boolean;
  /** -1: exec as soon as setup is done; else the fd whose first byte lets the child exec. */
  startFd?: number;
  /** The child's fds 0, 1 and 2; -1 keeps minic's own. */
  stdio?: [number, number, number];
  /** Born into this PID namespace (exec, linux.namespaces[].path): an fd, or -1. */
  pidNamespaceFd?: number;
  /** The container's terminal master, handed over during setup (plans with a terminal op). */
  onTerminal?(master: number, executor: NativeExecutor): void;
}

const SIGKILL = 9;

export function startChild(plan: Plan, executorCacheDir: string, options: ChildOptions): Child {
  const executor = executorIn(executorCacheDir);
  const encoded = encodePlan(plan.ops);
  const report = pipe();
  const sync = pipe();
  const exit = options.watch ? pipe() : null;
  const job = encodeJob(encoded, {
    cloneFlags: plan.cloneFlags,
    shareMemory: options.shareMemory,
    pdeathsig: options.dieWithParent ? SIGKILL : 0,
    reportFd: report.writeEnd,
    syncFd: sync.readEnd,
    startFd: options.startFd ?? -1,
    exitFd: exit?.writeEnd ?? -1,
    stdio: options.stdio ?? [-1, -1, -1],
    pidNamespaceFd: options.pidNamespaceFd ?? -1,
    closeInChild: [report.readEnd, sync.writeEnd],
  });
  const pid = executor.spawn(job);
  close(report.writeEnd);
  close(sync.readEnd);
  if (pid < 0) {
    for (const fd of [report.readEnd, sync.writeEnd, exit?.readEnd ?? -1, exit?.writeEnd ?? -1]) if (fd >= 0) close(fd);
    throw new SystemError("clone", -pid);
  }
  // exit.writeEnd now belongs to the native thread that reaps the child. With shared memory the
  // child reads the job, the op table and their strings until it execs: they stay referenced
  // until its exit status arrives.
  const pinned: unknown[] = [job, encoded];

  const letGo = (): void => writeAll(sync.writeEnd, new Uint8Array([1]));
  let released = false;
  const records = recordReader(report.readEnd, sizeOf("report", 4));
  const kindAt = offsetOf("report", "kind", 4);
  const indexAt = offsetOf("report", "index", 4);
  const valueAt = offsetOf("report", "value", 4);

  const readSetup = async (): Promise<SetupOutcome> => {
    for (;;) {
      const record = await records.next();
      if (record === null) return { kind: "started" };
      const kind = record.readInt32LE(kindAt);
      const value = record.readInt32LE(valueAt);
      if (kind === constant("REPORT_FAILED")) return { kind: "failed", index: record.readInt32LE(indexAt), errno: value };
      if (kind === constant("REPORT_READY")) return { kind: "ready" };
      if (kind === constant("REPORT_TERMINAL")) {
        const master = executor.takeFd(pid, value);
        if (master < 0) throw new SystemError("pidfd_getfd", -master);
        options.onTerminal?.(master, executor);
        letGo();
        continue;
      }
      throw new Error(`unknown report kind ${kind} from the executor`);
    }
  };

  return {
    pid,
    executor,
    release() {
      if (released) return;
      released = true;
      letGo();
    },
    setup: readSetup().finally(() => {
      records.stop();
      close(report.readEnd);
      close(sync.writeEnd); // a child still waiting now sees end of file and fails
    }),
    exited:
      exit === null
        ? null
        : recordReader(exit.readEnd, 4)
            .next()
            .then((status) => {
              close(exit.readEnd);
              pinned.length = 0; // the child is gone: its plan's memory may be freed now
              if (status === null) throw new Error("the executor's watch thread ended without a status");
              return status.readInt32LE(0);
            }),
  };
}

/** Fixed-size records from a pipe, read on the event loop; null at end of file. */
function recordReader(fd: number, size: number): { next(): Promise<Buffer | null>; stop(): void } {
  const reader = Bun.file(fd).stream().getReader();
  let buffered = Buffer.alloc(0);
  let done = false;
  return {
    async next() {
      while (buffered.length < size && !done) {
        const { done: end, value } = await reader.read();
        if (end) done = true;
        else buffered = Buffer.concat([buffered, value]);
      }
      if (buffered.length < size) return null;
      const record = buffered.subarray(0, size);
      buffered = buffered.subarray(size);
      return record;
    },
    stop() {
      reader.releaseLock();
    },
  };
}

/** The wait status of a watched child. */
export function exitOf(child: Child): Promise<number> {
  if (child.exited === null) throw new Error("this child is not watched: its parent reaps it");
  return child.exited;
}

/** Docker's convention: the exit code, or 128 + the signal that killed the process. */
export function exitCodeOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}
