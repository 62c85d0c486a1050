// `minic create`: a container whose init is set up completely and parked just before execve on
// the exec fifo (as runc parks it), then left to run on its own: no parent-death signal, its own
// copy of memory, reaped by whoever is its parent once minic exits. `minic start` lets it go.
import { networkBeforeSetup } from "./network.ts";
import { closeSync, constants, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { mkfifo } from "../../native/fifo.ts";
import { strerror } from "../../native/libc.ts";
import { OCI_VERSION } from "../spec/types.ts";
import { runCreateHooks } from "./hooks.ts";
import { MinicError } from "../errors.ts";
import { identify } from "../process/identity.ts";
import { startChild, type Child } from "../process/spawn.ts";
import type { RunOptions } from "../spec/run-options.ts";
import { containerDir, fsReason, writeRecord } from "../state/store.ts";
import { provisionContainer, type Provisioned } from "./provision.ts";
import type { PreparedRun } from "./run.ts";
import { setupError } from "./setup-error.ts";

/** The fifo a created container's init waits on; `start` writes one byte to it. */
export function execFifo(root: string, id: string): string {
  return join(containerDir(root, id), "exec.fifo");
}

/** `run` flags `create` has no use for: a created container is always detached. */
export function refuseAttachedFlags(options: RunOptions): void {
  if (options.detach) throw new MinicError("create cannot take -d: a created container runs detached once started", undefined, "use `minic start`, or `minic run -d`");
}

/** Docker's create: the container parked under conmon (see run-detached.ts); returns its id. */
export async function createContainer(options: RunOptions): Promise<string> {
  refuseAttachedFlags(options);
  const { createDetached } = await import("./run-detached.ts");
  return createDetached(options);
}

/** How runc's `create` is run: the init keeps its stdin, stdout and stderr, as runc's does
 *  (engines and conmon hand the runtime the pipes or fifos the container must use). */
export interface CreateSettings {
  /** Written with the init's pid before this returns (runc's --pid-file). */
  pidFile: string | null;
  /** runc's --console-socket: where the container's terminal master is sent (SCM_RIGHTS). */
  consoleSocket: string | null;
  /** runc's --preserve-fds: fds 3 .. 3+N-1 of this command go on to the container's process. */
  preserveFds?: number;
}

/** Provision a prepared container, clone its init and park it before execve. */
export async function createPrepared(prepared: PreparedRun, settings: CreateSettings): Promise<string> {
  const terminal = prepared.spec.process.terminal;
  if (terminal && settings.consoleSocket === null) throw new MinicError("process.terminal needs --console-socket: the container's terminal must go to whoever will hold it");
  if (!terminal && settings.consoleSocket !== null) throw new MinicError("--console-socket is only for a process with a terminal (process.terminal)");
  let provisioned: Provisioned | null = null;
  let child: Child | null = null;
  const fds: number[] = [];
  const open = (path: string, flags: number, mode?: number): number => {
    const fd = openSync(path, flags, mode);
    fds.push(fd);
    return fd;
  };
  try {
    provisioned = provisionContainer(prepared, { owner: null, autoRemove: false });
    const { root, record } = provisioned;
    const fifoPath = execFifo(root, record.id);
    // One left by a start that never came (a container started again after that) goes first.
    if (prepared.again !== null) rmSync(fifoPath, { force: true });
    mkfifo(fifoPath, 0o600);
    // Opened for reading without blocking (there is no writer yet); the init polls it.
    const fifo = open(fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
    const stdio: [number, number, number] = [-1, -1, -1];
    const socket = settings.consoleSocket;
    child = startChild(prepared.plan, root, {
      watch: false,
      shareMemory: false,
      dieWithParent: false,
      startFd: fifo,
      stdio,
      preserveFds: settings.preserveFds ?? 0,
      onHooks: (pid) => runCreateHooks(prepared.spec.hooks, { ociVersion: OCI_VERSION, id: record.id, status: "creating", pid, bundle: record.bundle ?? "", annotations: prepared.spec.annotations }, pid),
      onTerminal: (master, executor) => {
        try {
          const rc = socket === null ? 0 : executor.sendFd(socket, master);
          if (rc < 0) throw new MinicError(`cannot send the terminal to the console socket ${socket}: ${strerror(-rc)}`);
        } finally {
          closeSync(master);
        }
      },
      beforeSetup: networkBeforeSetup(root, record.id, prepared.spec, false),
    });
    writeRecord(root, { ...record, process: identify(child.pid) });
    child.release();
    const setup = await child.setup;
    if (setup.kind === "failed") throw setupError(setup, prepared.plan);
    if (setup.kind === "started") throw new MinicError("the container's init exited during setup");
    if (settings.pidFile !== null) writePidFile(settings.pidFile, child.pid);
    child = null; // parked: from now on it is the container, not ours to stop
    return record.id;
  } catch (error) {
    // Nothing dies with us here: an init that got this far is stopped and reaped before the
    // container's directory, name and cgroup are taken back.
    // One a failed release killed and reaped already is not signalled again: its pid may be another's.
    if (child !== null && !child.reaped) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      child.executor.reap(child.pid);
    }
    provisioned?.undo();
    throw error;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** The pid, written aside and renamed in, as runc does: a reader never sees a partial file. */
export function writePidFile(path: string, pid: number): void {
  const partial = join(dirname(resolve(path)), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(partial, String(pid));
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new MinicError(`cannot write the pid file ${path}: ${fsReason(error)}`);
  }
}
