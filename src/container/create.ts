// `minic create`: a container whose init is set up completely and parked just before execve on
// the exec fifo (as runc parks it), then left to run on its own: no parent-death signal, its own
// copy of memory, reaped by whoever is its parent once minic exits. `minic start` lets it go.
import { closeSync, constants, openSync } from "node:fs";
import { join } from "node:path";
import { mkfifo } from "../../native/fifo.ts";
import { createCgroup, removeCgroup } from "../cgroups/cgroup.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import { identify } from "../process/identity.ts";
import { startChild } from "../process/spawn.ts";
import type { RunOptions } from "../spec/run-options.ts";
import { claimName, writeSpec, containerDir, createContainerDirs, removeContainer, stateRoot, writeRecord, type ContainerRecord } from "../state/store.ts";
import { createBindSources, removeBindSources } from "./bind-sources.ts";
import { requireRoot } from "./privileges.ts";
import { prepareRun } from "./run.ts";
import { setupError } from "./setup-error.ts";
import { MinicError } from "../errors.ts";

/** The fifo a created container's init waits on; `start` writes one byte to it. */
export function execFifo(root: string, id: string): string {
  return join(containerDir(root, id), "exec.fifo");
}

/** Create the container and park its init; returns its id. */
export async function createContainer(options: RunOptions): Promise<string> {
  requireRoot();
  if (options.tty) throw new MinicError("create cannot give a container a terminal yet: use `minic run -t`");
  const root = stateRoot();
  const { id, name, spec, plan, missingSources, cgroup } = prepareRun(options);
  const record: ContainerRecord = {
    id,
    name,
    command: spec.process.args,
    rootfs: spec.root.path,
    created: new Date().toISOString(),
    status: "created",
    process: null,
    owner: null,
    exitCode: null,
    finished: null,
    autoRemove: options.remove,
    cgroup,
  };
  let nameClaimed = false;
  let createdSources: string[] = [];
  let liveCgroup: ContainerCgroup | null = null;
  let fifo = -1;
  let stdin = -1;
  let output = -1;
  try {
    createdSources = createBindSources(missingSources);
    createContainerDirs(root, id, () => writeRecord(root, record));
    claimName(root, name, id);
    nameClaimed = true;
    writeSpec(root, id, spec);
    if (cgroup !== null) {
      createCgroup(cgroup, spec.linux.resources);
      liveCgroup = cgroup;
    }
    mkfifo(execFifo(root, id), 0o600);
    // Opened for reading without blocking (there is no writer yet); the init polls it.
    fifo = openSync(execFifo(root, id), constants.O_RDONLY | constants.O_NONBLOCK);
    // The init outlives this command, so it must not hold our stdout (a caller reading it to
    // the end, as `$(minic create ...)` does, would wait forever): its output goes to a file in
    // its state directory until `minic logs` exists.
    stdin = openSync("/dev/null", "r");
    output = openSync(join(containerDir(root, id), "console.log"), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    const child = startChild(plan, root, {
      watch: false,
      shareMemory: false,
      dieWithParent: false,
      startFd: fifo,
      stdio: [stdin, output, output],
    });
    writeRecord(root, { ...record, process: identify(child.pid) });
    child.release();
    const setup = await child.setup;
    if (setup.kind === "failed") {
      child.executor.reap(child.pid);
      throw setupError(setup, plan);
    }
    if (setup.kind === "started") {
      child.executor.reap(child.pid);
      throw new MinicError("the container's init exited during setup");
    }
    return id;
  } catch (error) {
    if (liveCgroup !== null) removeCgroup(liveCgroup);
    removeContainer(root, id, nameClaimed ? name : null);
    removeBindSources(createdSources);
    throw error;
  } finally {
    for (const fd of [fifo, stdin, output]) if (fd >= 0) closeSync(fd);
  }
}
