// `minic run`: create the container and start it in this process (no exec fifo: the child goes
// straight from setup to execve), wait for it, and clean up on every way out.
import { availableParallelism } from "node:os";
import { openSync, closeSync } from "node:fs";
import { loadExecutor } from "../../native/executor.ts";
import { createCgroup, driverFor, placeCgroup, removeCgroup } from "../cgroups/cgroup.ts";
import { hostCgroupLayout } from "../cgroups/layout.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import { log } from "../log.ts";
import { buildPlan, type Plan } from "../plan/plan.ts";
import { identify } from "../process/identity.ts";
import { forwardSignals } from "../process/signals.ts";
import { exitCodeOf, exitOf, startChild } from "../process/spawn.ts";
import { openTerminalSession, stdinIsTerminal } from "../process/terminal.ts";
import { buildSpec } from "../spec/from-run-flags.ts";
import type { RunOptions } from "../spec/run-options.ts";
import type { Spec } from "../spec/types.ts";
import { validateSpec } from "../spec/validate.ts";
import { generateId, generateName, validateName } from "../state/names.ts";
import { claimName, writeSpec, createContainerDirs, overlayLayout, removeContainer, stateRoot, writeRecord, type ContainerRecord } from "../state/store.ts";
import { createBindSources, inspectBindSources, removeBindSources } from "./bind-sources.ts";
import { requireRoot } from "./privileges.ts";
import { assertOverlaySafe, resolveRootfs, userInRoot } from "./rootfs.ts";
import { setupError } from "./setup-error.ts";

export interface PreparedRun {
  id: string;
  name: string;
  spec: Spec;
  plan: Plan;
  /** Bind sources -v will create as directories before the container starts. */
  missingSources: string[];
  /** Where the container's cgroup will be made; null on a host without cgroups. */
  cgroup: ContainerCgroup | null;
}

/** Everything `run` decides before touching the system; `--dry-run` prints exactly this. */
export function prepareRun(options: RunOptions): PreparedRun {
  const root = stateRoot();
  assertOverlaySafe(root, "state directory (MINIC_ROOT)");
  const rootfs = resolveRootfs(options.rootfs);
  const id = generateId();
  const name = options.name ?? generateName();
  validateName(name);
  if (options.tty && options.interactive && !stdinIsTerminal()) {
    // Docker refuses here; carrying on as -i keeps pipelines like `cmd | minic run -it ...` working.
    log.warn("the input device is not a TTY: running with -i only, without a terminal");
    options = { ...options, tty: false };
  }
  const spec = validateSpec(
    buildSpec(options, {
      id,
      name,
      rootfs,
      user: userInRoot(loadExecutor(root), rootfs, options.user),
      callerEnv: process.env,
      hostCpus: availableParallelism(),
    }),
  );
  const missingSources = inspectBindSources(options.mounts);
  const cgroup = placeCgroup(hostCgroupLayout(), spec.linux.cgroupsPath, spec.linux.resources);
  const plan = buildPlan(spec, { overlay: overlayLayout(root, id), cgroup });
  return { id, name, spec, plan, missingSources, cgroup };
}

/** Run a container to completion and return the exit code minic should exit with. */
export async function runContainer(options: RunOptions): Promise<number> {
  requireRoot();
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
    owner: identify(process.pid),
    exitCode: null,
    finished: null,
    autoRemove: options.remove,
    cgroup,
  };

  let containerPid: number | null = null;
  const terminal = spec.process.terminal ? openTerminalSession({ interactive: options.interactive }) : null;
  const signals = forwardSignals(() => containerPid, { terminal: terminal !== null });
  let nameClaimed = false;
  let createdSources: string[] = [];
  /** The cgroup while it exists on the host: removed on every way out. */
  let liveCgroup: ContainerCgroup | null = null;
  // Without -i the workload reads /dev/null, as Docker's does.
  const stdin = options.interactive || terminal !== null ? -1 : openSync("/dev/null", "r");
  try {
    createdSources = createBindSources(missingSources);
    createContainerDirs(root, id, () => writeRecord(root, record));
    claimName(root, name, id);
    nameClaimed = true;
    writeSpec(root, id, spec);
    if (cgroup !== null) {
      // The record names the cgroup before it exists: a minic killed from here on is cleaned up.
      createCgroup(cgroup, spec.linux.resources);
      liveCgroup = cgroup;
    }

    // The child shares our memory (CLONE_VM) and dies with us: we wait for its setup, and
    // nothing it reads is freed before its exit status arrives.
    const child = startChild(plan, root, {
      watch: true,
      shareMemory: true,
      dieWithParent: true,
      stdio: [stdin, -1, -1],
      onTerminal: (master, executor) => terminal?.attach(master, executor),
    });
    if (stdin >= 0) closeSync(stdin);
    containerPid = child.pid;
    writeRecord(root, { ...record, status: "running", process: identify(child.pid) });
    child.release();
    signals.flush();

    const setup = await child.setup.catch(async (error: unknown) => {
      process.kill(child.pid, "SIGKILL");
      await exitOf(child);
      throw error;
    });
    if (setup.kind === "failed") {
      await exitOf(child);
      throw setupError(setup, plan);
    }
    const exitCode = exitCodeOf(await exitOf(child));
    terminal?.finish();
    containerPid = null;
    if (liveCgroup !== null) {
      const oomKills = driverFor(liveCgroup).oomKills(liveCgroup);
      removeCgroup(liveCgroup);
      liveCgroup = null;
      if (oomKills > 0) log.error(`container ${name} was OOM-killed: it reached its memory limit (--memory)`);
    }
    if (options.remove) removeContainer(root, id, name);
    else {
      writeRecord(root, {
        ...record,
        status: "exited",
        exitCode,
        finished: new Date().toISOString(),
        process: null,
        owner: null,
        cgroup: null,
      });
    }
    return exitCode;
  } catch (error) {
    // Nothing of a container that never ran its workload is kept, --rm or not. Its mounts lived
    // only in its own mount namespace, which died with it. Its cgroup has no process: the
    // workload joins only just before exec.
    if (liveCgroup !== null) removeCgroup(liveCgroup);
    removeContainer(root, id, nameClaimed ? name : null);
    removeBindSources(createdSources);
    throw error;
  } finally {
    terminal?.restore();
    signals.stop();
  }
}
