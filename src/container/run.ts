// `minic run`: from options to a finished container, with every failure path cleaned up.
import { EXECUTOR_EROOT } from "../../native/executor.ts";
import { strerror } from "../../native/libc.ts";
import { createBindSources, inspectBindSources, removeBindSources } from "./bind-sources.ts";
import { availableParallelism } from "node:os";
import { buildSpec } from "../spec/from-run-flags.ts";
import { createCgroup, driverFor, placeCgroup, removeCgroup } from "../cgroups/cgroup.ts";
import { hostCgroupLayout } from "../cgroups/layout.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import { exitCodeOf, startChild, type SetupFailure } from "../process/spawn.ts";
import { describeOp } from "../plan/describe.ts";
import { EXIT, MinicError } from "../errors.ts";
import { generateId, generateName, validateName } from "../state/names.ts";
import type { RunOptions } from "../spec/run-options.ts";
import { buildPlan, type Plan } from "../plan/plan.ts";
import { identify } from "../process/identity.ts";
import { recoverAbandoned } from "./recover.ts";
import { requireRoot } from "./privileges.ts";
import { assertOverlaySafe, resolveRootfs, rootHome } from "./rootfs.ts";
import { forwardSignals } from "../process/signals.ts";
import { openTerminalSession, stdinIsTerminal } from "../process/terminal.ts";
import { log } from "../log.ts";
import type { Spec } from "../spec/types.ts";
import {
  claimName,
  createContainerDirs,
  rootLayout,
  removeContainer,
  stateRoot,
  writeRecord,
  writeSpec,
  type ContainerRecord,
} from "../state/store.ts";

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
  const spec = buildSpec(options, {
    id,
    name,
    rootfs,
    home: rootHome(rootfs),
    callerEnv: process.env,
    hostCpus: availableParallelism(),
  });
  const sources = inspectBindSources(options.mounts);
  const cgroup = placeCgroup(hostCgroupLayout(), spec.linux.cgroupsPath, spec.linux.resources);
  const plan = buildPlan(spec, rootLayout(root, id), {
    keepStdin: options.interactive,
    bindSourceKinds: sources.kinds,
    cgroup,
  });
  return { id, name, spec, plan, missingSources: sources.missing, cgroup };
}

/** Run a container to completion and return the exit code minic should exit with. */
export async function runContainer(options: RunOptions): Promise<number> {
  requireRoot();
  const root = stateRoot();
  recoverAbandoned(root);
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

    const child = startChild(plan, root, { terminal: (master, executor) => terminal?.attach(master, executor) });
    containerPid = child.pid;
    writeRecord(root, { ...record, status: "running", process: identify(child.pid) });
    child.release();
    signals.flush();

    const failure = await child.setup.catch(async (error: unknown) => {
      process.kill(child.pid, "SIGKILL");
      await child.exited;
      throw error;
    });
    if (failure !== null) {
      await child.exited;
      throw setupError(failure, plan);
    }
    const exitCode = exitCodeOf(await child.exited);
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

function setupError(failure: SetupFailure, plan: Plan): MinicError {
  const op = plan.ops[failure.index];
  if (op === undefined) return new MinicError(`container setup failed: ${strerror(failure.errno)}`);
  if (op.op === "execve") return execError(op.file, failure.errno);
  const reason = failure.errno === EXECUTOR_EROOT ? "it resolves to the container's root directory" : strerror(failure.errno);
  return new MinicError(`${describeOp(op)}: ${reason}`);
}

const ENOENT = 2;

/** Docker's wording and codes: 127 when the command is not there, 126 when it cannot run. */
function execError(file: string, errno: number): MinicError {
  if (errno === ENOENT) {
    return file.includes("/")
      ? new MinicError(`exec: "${file}": no such file or directory`, EXIT.notFound)
      : new MinicError(`exec: "${file}": executable file not found in $PATH`, EXIT.notFound);
  }
  return new MinicError(`exec: "${file}": ${strerror(errno).toLowerCase()}`, EXIT.cannotExecute);
}
