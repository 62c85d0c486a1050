// The process model's parent side: clone a child that runs a plan natively, let it past its
// first wait, learn how its setup ended (exec'd, ready and parked, or which op failed), and learn
// how it exited. The executor's watch thread reads the child's report pipe and reaps it, and
// tells us through one thread-safe callback: no pipe is read on the event loop or on Bun's small
// file-system thread pool (where two or three pending reads stalled every other fs call), and no
// stream is opened (the first one cost 2 ms of every run).
import { JSCallback } from "bun:ffi";
import type { NativeExecutor } from "../../native/executor.ts";
import { close, geteuid, pipe, socketPair, SystemError, writeAll } from "../../native/libc.ts";
import { closeSync, constants, openSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { encodeJob, encodePlan, type EncodedPlan } from "../plan/encode.ts";
import { fsReason } from "../state/store.ts";
import { constant } from "../plan/protocol.ts";
import { joinsUserNamespace, ROOT_TREE_SLOT, SYSFS_TREE_SLOT, type Plan } from "../plan/plan.ts";
import { executorIn } from "./executor.ts";
import { makeIdmappedRoot, makeSysfsTree, writeIdMaps } from "./user-namespace.ts";

/** How setup ended: exec'd (run, exec), parked at wait-start (create), or an op failed. */
export type SetupOutcome = { kind: "started" } | { kind: "ready" } | { kind: "failed"; index: number; errno: number };

export interface Child {
  /** The workload's process: after a fork-beside op, the copy that went on with the plan. */
  readonly pid: number;
  /** An unwatched child a failed release() killed has been reaped already: its pid is free. */
  readonly reaped: boolean;
  executor: NativeExecutor;
  /** Write its user namespace's maps (if it has one), then let it past its wait-parent op. A
   *  failure kills the child (reaped as it would have been) and throws. */
  release(): void;
  readonly setup: Promise<SetupOutcome>;
  /** The raw wait status once the child has exited and been reaped; null when not watched. */
  readonly exited: Promise<number> | null;
}

export interface ChildOptions {
  /** The watch thread reaps the child and reports its status (run, exec). A created container's
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
  /** How many of minic's own fds from 3 up the process keeps (runc's --preserve-fds). */
  preserveFds?: number;
  /** Run the hooks that want the namespaces made and the root not yet entered (plans with a wait-hooks op). */
  onHooks?(pid: number): void;
  /** The container's terminal master, handed over during setup (plans with a terminal op). */
  onTerminal?(master: number, executor: NativeExecutor): void;
  /** At release, once its maps are written and before it goes on: its namespaces exist, nothing
   *  in them runs yet (slirp4netns joins its network namespace then). */
  beforeSetup?(pid: number, executor: NativeExecutor): void;
}

const SIGKILL = 9;
const EPIPE = 32;

type Notice = (kind: number, index: number, value: number) => void;

/** What the watch threads say, by child pid; one callback for the whole process. */
const listeners = new Map<number, Notice>();
let callback: JSCallback | null = null;
/** A ref'd timer while any child is watched: a pending callback alone keeps no event loop alive. */
let keepAlive: ReturnType<typeof setInterval> | null = null;

function notifyPointer(): number {
  callback ??= new JSCallback((pid: number, kind: number, index: number, value: number) => listeners.get(pid)?.(kind, index, value), {
    args: ["i32", "i32", "i32", "i32"],
    returns: "void",
    threadsafe: true,
  });
  return Number(callback.ptr);
}

function listen(pid: number, notice: Notice): void {
  listeners.set(pid, notice);
  keepAlive ??= setInterval(() => {}, 2 ** 30);
}

function forget(pid: number): void {
  listeners.delete(pid);
  if (listeners.size === 0 && keepAlive !== null) {
    clearInterval(keepAlive);
    keepAlive = null;
  }
}

export function startChild(plan: Plan, executorCacheDir: string, options: ChildOptions): Child {
  const executor = executorIn(executorCacheDir);
  const encoded = encodePlan(plan.ops);
  const pidNamespace = plan.pidNamespace === null ? -1 : openNamespace(plan.pidNamespace, "PID");
  let netNamespace = -1;
  let rootTree = -1;
  let sysfsTree = -1;
  try {
    if (plan.netNamespace !== null) netNamespace = openNamespace(plan.netNamespace, "network");
    if (plan.sysfsTree !== null) sysfsTree = makeSysfsTree(executor, netNamespace, plan.sysfsTree.readonly);
    if (plan.idmappedRoot !== null) rootTree = makeIdmappedRoot(executor, plan.idmappedRoot);
    // setns into a user namespace refuses a process whose memory is shared (CLONE_VM).
    const shareMemory = options.shareMemory && !joinsUserNamespace(plan);
    const inherited = [
      ...(rootTree < 0 ? [] : [{ fd: rootTree, slot: ROOT_TREE_SLOT }]),
      ...(sysfsTree < 0 ? [] : [{ fd: sysfsTree, slot: SYSFS_TREE_SLOT }]),
    ];
    return spawnWith(plan, encoded, executor, { pid: pidNamespace, net: netNamespace }, inherited, { ...options, shareMemory });
  } finally {
    if (pidNamespace >= 0) closeSync(pidNamespace);
    if (netNamespace >= 0) closeSync(netNamespace);
    if (rootTree >= 0) closeSync(rootTree);
    if (sysfsTree >= 0) closeSync(sysfsTree);
  }
}


/** A namespace file, or a clear error: for exec, its container has stopped. */
function openNamespace(path: string, kind: string): number {
  try {
    return openSync(path, constants.O_RDONLY);
  } catch (error) {
    throw new MinicError(`cannot join the ${kind} namespace ${path}: ${fsReason(error)}`);
  }
}

function spawnWith(plan: Plan, encoded: EncodedPlan, executor: NativeExecutor, bornInto: { pid: number; net: number }, inherited: { fd: number; slot: number }[], options: ChildOptions): Child {
  const report = pipe();
  const sync = pipe();
  // A plan with a terminal sends its master over this: [ours, the child's].
  const terminal = plan.ops.some((op) => op.op === "terminal") ? socketPair() : null;
  const job = encodeJob(encoded, {
    cloneFlags: plan.cloneFlags,
    shareMemory: options.shareMemory,
    pdeathsig: options.dieWithParent ? SIGKILL : 0,
    reportFd: report.writeEnd,
    syncFd: sync.readEnd,
    startFd: options.startFd ?? -1,
    watchExit: options.watch,
    stdio: options.stdio ?? [-1, -1, -1],
    pidNamespaceFd: bornInto.pid,
    netNamespaceFd: bornInto.net,
    parentReportFd: report.readEnd,
    parentSyncFd: sync.writeEnd,
    notify: notifyPointer(),
    inherited,
    preserveFds: options.preserveFds ?? 0,
    // Rootless, newuidmap (checking the child is the user's) and slirp4netns (joining its
    // namespaces) reach the new child through /proc/PID before it is released, which a
    // non-dumpable child's would refuse. Until then nothing else runs in its namespaces; an exec'd
    // process, which needs neither, is never dumpable.
    dumpable: geteuid() !== 0 && (plan.idMappings !== null || options.beforeSetup !== undefined),
    terminalSocket: terminal?.[1] ?? -1,
  });
  const pid = executor.spawn(job);
  close(report.writeEnd);
  if (terminal !== null) close(terminal[1]);
  close(sync.readEnd);
  if (pid < 0) {
    close(report.readEnd);
    close(sync.writeEnd);
    if (terminal !== null) close(terminal[0]);
    throw new SystemError("clone", -pid);
  }
  // report.readEnd now belongs to the watch thread. With shared memory the child reads the job,
  // the op table and their strings until it execs: they stay referenced until its exit arrives.
  const pinned: unknown[] = [job, encoded];

  const letGo = (): void => {
    try {
      writeAll(sync.writeEnd, new Uint8Array([1]));
    } catch (error) {
      // A child that failed before its wait has closed its end: its report says why.
      if (!(error instanceof SystemError && error.errno === EPIPE)) throw error;
    }
  };
  let released = false;
  let settle: (outcome: SetupOutcome) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  let exit: (status: number) => void = () => {};
  const setup = new Promise<SetupOutcome>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  }).finally(() => {
    close(sync.writeEnd); // a child still waiting now sees end of file and fails
    if (terminal !== null) close(terminal[0]);
  });
  const exited = options.watch ? new Promise<number>((resolve) => (exit = resolve)) : null;
  let setupDone = false;
  const endSetup = (outcome: SetupOutcome): void => {
    if (setupDone) return;
    setupDone = true;
    settle(outcome);
    if (!options.watch) forget(pid);
  };

  // The process that becomes the workload: the child, or the copy a fork-beside op made.
  let current = pid;
  listen(pid, (kind, index, value) => {
    if (kind === constant("REPORT_FORKED")) current = value;
    else if (kind === constant("REPORT_FAILED")) endSetup({ kind: "failed", index, errno: value });
    else if (kind === constant("REPORT_READY")) endSetup({ kind: "ready" });
    else if (kind === constant("REPORT_STARTED")) endSetup({ kind: "started" });
    else if (kind === constant("REPORT_TERMINAL")) {
      try {
        const master = terminal === null ? -1 : executor.recvFd(terminal[0]);
        if (master < 0) throw new SystemError("recvmsg", -master);
        options.onTerminal?.(master, executor);
        letGo();
      } catch (error) {
        setupDone = true;
        fail(error);
      }
    } else if (kind === constant("REPORT_HOOKS")) {
      try {
        options.onHooks?.(pid);
        letGo();
      } catch (error) {
        setupDone = true;
        fail(error);
      }
    } else if (kind === constant("REPORT_EXITED")) {
      endSetup({ kind: "started" });
      pinned.length = 0; // the child is gone: its plan's memory may be freed now
      forget(pid);
      exit(value);
    }
  });

  let reaped = false;
  return {
    get pid() {
      return current;
    },
    get reaped() {
      return reaped;
    },
    executor,
    release() {
      if (released) return;
      released = true;
      try {
        if (plan.idMappings !== null) writeIdMaps(pid, plan.idMappings);
        options.beforeSetup?.(pid, executor);
      } catch (error) {
        process.kill(pid, SIGKILL);
        if (!options.watch) {
          executor.reap(pid);
          reaped = true;
        }
        throw error;
      }
      letGo();
    },
    setup,
    exited,
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
