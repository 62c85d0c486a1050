// `minic exec`: a new process in a running container. It is born inside the container's PID
// namespace (the spawner joins it for the clone only), joins every other namespace and the cgroup
// itself, and gets the container's capabilities and limits, with its own user, env and cwd.
import { closeSync, openSync } from "node:fs";
import { executorIn } from "../process/executor.ts";
import { MinicError } from "../errors.ts";
import { buildExecPlan, NO_FILTERS } from "../plan/plan.ts";
import type { Capability } from "../plan/linux.ts";
import { isAlive } from "../process/identity.ts";
import { forwardSignals } from "../process/signals.ts";
import { exitCodeOf, exitOf, startChild, type Child } from "../process/spawn.ts";
import { openTerminalSession, stdinIsTerminal } from "../process/terminal.ts";
import { containerEnv } from "../spec/env.ts";
import type { SpecProcess } from "../spec/types.ts";
import { validateSpec } from "../spec/validate.ts";
import { findContainer, readSpec, stateRoot } from "../state/store.ts";
import { ownCapabilities } from "./privileges.ts";
import { rootlessLayout } from "./rootless.ts";
import { userInRoot } from "./rootfs.ts";
import { compiledFilters } from "./seccomp.ts";
import { setupError } from "./setup-error.ts";
import { log } from "../log.ts";

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  env: string[];
  workdir: string | null;
  user: string | null;
  /** docker exec --privileged: every capability minic has, no seccomp filter. */
  privileged: boolean;
}

function allOf(capabilities: Capability[]): SpecProcess["capabilities"] {
  return { bounding: capabilities, effective: capabilities, permitted: capabilities, inheritable: [], ambient: [] };
}

/** Run the command in the container; resolves to its exit code (docker exec's). */
export async function execInContainer(options: ExecOptions): Promise<number> {
  const root = stateRoot();
  const record = findContainer(root, options.container);
  const init = record.process;
  if (record.status !== "running" || init === null || !isAlive(init)) {
    throw new MinicError(`container ${options.container} is not running`);
  }
  if (options.command.length === 0 || options.command[0] === "") throw new MinicError("exec needs a command", undefined, "see 'minic exec --help'");
  if (options.workdir !== null && !options.workdir.startsWith("/")) {
    throw new MinicError(`the working directory "${options.workdir}" is invalid: it needs to be an absolute path`);
  }
  let tty = options.tty;
  if (tty && options.interactive && !stdinIsTerminal()) {
    log.warn("the input device is not a TTY: running with -i only, without a terminal");
    tty = false;
  }
  const spec = validateSpec(readSpec(root, record.id));
  const executor = executorIn(root);
  // The user is looked up in the container's own files, through its root as its init sees it.
  const user = userInRoot(executor, `/proc/${init.pid}/root`, options.user ?? String(spec.process.user.uid));
  const hostname = spec.process.env.find((entry) => entry.startsWith("HOSTNAME="))?.slice("HOSTNAME=".length) ?? spec.hostname;
  const inherited = spec.process.env.filter((entry) => !entry.startsWith("HOME=") && !entry.startsWith("TERM="));
  const execProcess: SpecProcess = {
    ...spec.process,
    terminal: tty,
    args: [...options.command],
    cwd: options.workdir ?? spec.process.cwd,
    user: { uid: user.uid, gid: user.gid, umask: spec.process.user.umask ?? 0o022, additionalGids: [user.gid, ...user.additionalGids] },
    env: containerEnv([...inherited, ...options.env], { hostname, home: user.home, terminal: tty }, process.env),
    ...(options.privileged ? { capabilities: allOf(ownCapabilities()) } : {}),
  };
  const filters = options.privileged ? NO_FILTERS : compiledFilters(spec, root);
  const plan = buildExecPlan(spec, execProcess, { id: record.id, pid: init.pid, cgroup: record.cgroup, sessionKeyring: record.sessionKeyring, ...rootlessLayout(spec) }, filters);

  // Read at each signal: a rootless exec's process is the copy its first child made (fork-beside).
  let child: Child | null = null;
  const terminal = tty ? openTerminalSession({ interactive: options.interactive }) : null;
  const signals = forwardSignals(() => child?.pid ?? null, { terminal: terminal !== null });
  const stdin = options.interactive || terminal !== null ? -1 : openSync("/dev/null", "r");
  try {
    child = startChild(plan, root, {
      watch: true,
      shareMemory: true,
      dieWithParent: true,
      stdio: [stdin, -1, -1],
      onTerminal: (master, native) => terminal?.attach(master, native),
    });
    child.release();
    signals.flush();
    const setup = await child.setup;
    if (setup.kind === "failed") {
      await exitOf(child);
      throw setupError(setup, plan);
    }
    const code = exitCodeOf(await exitOf(child));
    terminal?.finish();
    return code;
  } finally {
    if (stdin >= 0) closeSync(stdin);
    terminal?.restore();
    signals.stop();
  }
}


