// The runtime spec's hooks: commands run in the host's namespaces with the container's state as
// JSON on stdin, killed past their timeout. A failing prestart hook fails `start` (and stops the
// container); poststart and poststop failures are warnings, as the spec says.
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

/** Why a hook failed, or null when it exited 0. */
function runHook(hook: Hook, state: HookState): string | null {
  const [argv0, ...args] = hook.args ?? [hook.path];
  let result;
  try {
    result = Bun.spawnSync([hook.path, ...args], {
      argv0: argv0 ?? hook.path,
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
