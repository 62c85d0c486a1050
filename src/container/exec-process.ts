// runc's `exec`: a process described as OCI's `process` (from --process FILE or the flags) joins a
// running container. With --detach it outlives this command, as a created init does (its stdio
// this command's, its pid in --pid-file, reaped by whoever adopts it); without, this command
// waits for it and exits with its status.
import { rootlessLayout } from "./rootless.ts";
import { closeSync, readFileSync } from "node:fs";
import { strerror } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";
import { buildExecPlan } from "../plan/plan.ts";
import { isAlive } from "../process/identity.ts";
import { forwardSignals } from "../process/signals.ts";
import { exitCodeOf, exitOf, startChild } from "../process/spawn.ts";
import type { SpecProcess } from "../spec/types.ts";
import { validateSpec } from "../spec/validate.ts";
import { fsReason, readSpec, stateRoot } from "../state/store.ts";
import { writePidFile } from "./create.ts";
import { compiledFilters } from "./seccomp.ts";
import { setupError } from "./setup-error.ts";
import { containerById } from "./state.ts";

export interface ExecSettings {
  detach: boolean;
  pidFile: string | null;
  consoleSocket: string | null;
  preserveFds?: number;
}

/** --process FILE: an OCI process object, checked by the one validator inside the container's spec. */
export function readProcessFile(path: string, id: string): SpecProcess {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new MinicError(`cannot read the process file ${path}: ${fsReason(error)}`);
  }
  let process: unknown;
  try {
    process = JSON.parse(text);
  } catch (error) {
    throw new MinicError(`invalid process file ${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return checkedProcess(id, process);
}

/** A process object (file or flags) validated as the container spec's process would be. */
export function checkedProcess(id: string, process: unknown): SpecProcess {
  const spec = readSpec(stateRoot(), containerById(id).id) as Record<string, unknown>;
  const base = (spec.process ?? {}) as Record<string, unknown>;
  const given = (typeof process === "object" && process !== null ? process : {}) as Record<string, unknown>;
  // What a process file leaves out it has as the container's init has it (capabilities included).
  const merged: Record<string, unknown> = { ...base, terminal: false, env: [], ...given };
  merged.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [], ...((given.capabilities ?? base.capabilities) as object) };
  for (const field of ["apparmorProfile", "selinuxLabel"]) delete merged[field];
  return validateSpec({ ...spec, process: merged }).process;
}

export async function execProcess(id: string, process: SpecProcess, settings: ExecSettings): Promise<number> {
  const root = stateRoot();
  const record = containerById(id);
  const init = record.process;
  if (record.status !== "running" || init === null || !isAlive(init)) throw new MinicError(`container ${id} is not running`);
  if (process.terminal && settings.consoleSocket === null) throw new MinicError("a process with a terminal needs --console-socket");
  if (!process.terminal && settings.consoleSocket !== null) throw new MinicError("--console-socket is only for a process with a terminal (--tty)");
  const spec = validateSpec(readSpec(root, record.id));
  const plan = buildExecPlan(spec, process, { id: record.id, pid: init.pid, cgroup: record.cgroup, sessionKeyring: record.sessionKeyring, ...rootlessLayout(spec) }, compiledFilters(spec, root));
  const socket = settings.consoleSocket;
  const child = startChild(plan, root, {
    watch: !settings.detach,
    shareMemory: !settings.detach,
    dieWithParent: !settings.detach,
    stdio: [-1, -1, -1],
    preserveFds: settings.preserveFds ?? 0,
    onTerminal: (master, executor) => {
      try {
        const rc = socket === null ? 0 : executor.sendFd(socket, master);
        if (rc < 0) throw new MinicError(`cannot send the terminal to the console socket ${socket}: ${strerror(-rc)}`);
      } finally {
        closeSync(master);
      }
    },
  });
  if (settings.detach) {
    let started = false;
    try {
      child.release();
      const setup = await child.setup;
      if (setup.kind === "failed") throw setupError(setup, plan);
      started = true;
      if (settings.pidFile !== null) writePidFile(settings.pidFile, child.pid);
      return 0;
    } finally {
      // A process that never ran is ours to reap; a running one is left to whoever adopts it.
      if (!started && !child.reaped) child.executor.reap(child.pid);
    }
  }
  const signals = forwardSignals(() => child.pid, { terminal: false });
  try {
    child.release();
    signals.flush();
    const setup = await child.setup;
    if (setup.kind === "failed") {
      await exitOf(child);
      throw setupError(setup, plan);
    }
    if (settings.pidFile !== null) writePidFile(settings.pidFile, child.pid);
    return exitCodeOf(await exitOf(child));
  } finally {
    signals.stop();
  }
}
