// The runtime spec's hooks: commands with the container's state as JSON on stdin, killed past
// their timeout. createRuntime, prestart, poststart and poststop run in the host's namespaces;
// createContainer in the container's (its mount namespace before pivot_root), startContainer in
// the container itself (its root too), both entered with util-linux's nsenter. A failure of the
// first four fails create or start (the container is then stopped and deleted); poststart and
// poststop failures are warnings, as the spec says.
import { MinicError } from "../errors.ts";
import { log } from "../log.ts";
import { OCI_VERSION, type Hook, type Hooks } from "../spec/types.ts";
import type { ContainerRecord } from "../state/store.ts";

export interface HookState {
  ociVersion: string;
  id: string;
  status: string;
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
}

export function hookState(record: ContainerRecord, status: string, annotations: Record<string, string>): HookState {
  return { ociVersion: OCI_VERSION, id: record.id, status, pid: record.process?.pid ?? 0, bundle: record.bundle ?? "", annotations };
}

/** Where a hook runs: the host's namespaces, or a process's (and, with `root`, its root and cwd). */
type HookPlace = { pid: number; root: boolean } | null;

/** Why a hook failed, or null when it exited 0. */
function runHook(hook: Hook, state: HookState, place: HookPlace = null): string | null {
  const [argv0, ...args] = hook.args ?? [hook.path];
  const command = place === null
    ? [hook.path, ...args]
    // --all would also take the target's root; createContainer hooks see the mount namespace's own.
    : ["nsenter", "--target", String(place.pid), "--all", ...(place.root ? ["--root", "--wd"] : ["--root=/", "--wd=/"]), "--", hook.path, ...args];
  let result;
  try {
    result = Bun.spawnSync(command, {
      argv0: place === null ? (argv0 ?? hook.path) : "nsenter",
      env: Object.fromEntries((hook.env ?? []).filter((entry) => entry.indexOf("=") > 0).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)])),
      stdin: Buffer.from(JSON.stringify(state)),
      stdout: "inherit",
      stderr: "pipe",
      ...(hook.timeout !== undefined ? { timeout: hook.timeout * 1000, killSignal: "SIGKILL" } : {}),
    });
  } catch (error) {
    return `cannot run ${hook.path}: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (result.exitCode === 0) return null;
  const why = result.exitCode === null ? `was killed (${hook.timeout !== undefined ? `past its ${hook.timeout} s timeout` : `signal ${result.signalCode}`})` : `exited with ${result.exitCode}`;
  const stderr = result.stderr.toString().trim();
  return `${hook.path} ${why}${stderr === "" ? "" : `: ${stderr.split("\n").at(-1)}`}`;
}

/** createRuntime, then createContainer in the container's namespaces: the first failure is thrown. */
export function runCreateHooks(hooks: Hooks | undefined, state: HookState, pid: number): void {
  for (const hook of hooks?.createRuntime ?? []) {
    const failure = runHook(hook, state);
    if (failure !== null) throw new MinicError(`createRuntime hook ${failure}`);
  }
  for (const hook of hooks?.createContainer ?? []) {
    const failure = runHook(hook, state, { pid, root: false });
    if (failure !== null) throw new MinicError(`createContainer hook ${failure}`);
  }
}

/** startContainer, inside the container before its process runs: the first failure is thrown. */
export function runStartContainerHooks(hooks: Hooks | undefined, state: HookState, pid: number): void {
  for (const hook of hooks?.startContainer ?? []) {
    const failure = runHook(hook, state, { pid, root: true });
    if (failure !== null) throw new MinicError(`startContainer hook ${failure}`);
  }
}

/** prestart: the first failure stops the rest and is thrown. */
export function runPrestartHooks(hooks: Hooks | undefined, state: HookState): void {
  for (const hook of hooks?.prestart ?? []) {
    const failure = runHook(hook, state);
    if (failure !== null) throw new MinicError(`prestart hook ${failure}`);
  }
}

/** poststart and poststop: each runs; failures are warned about. */
export function runLaterHooks(kind: "poststart" | "poststop", hooks: Hooks | undefined, state: HookState): void {
  for (const hook of hooks?.[kind] ?? []) {
    const failure = runHook(hook, state);
    if (failure !== null) log.warn(`${kind} hook ${failure}`);
  }
}
