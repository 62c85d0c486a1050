// Docker's restart policies (--restart): whether a container that exited is started again, and
// after how long. minic has no daemon: they are carried out when the container exits (by conmon's
// exit command for a detached one, by `minic run` for one in the foreground).
import { MinicError } from "../errors.ts";

export interface RestartPolicy {
  name: "no" | "on-failure" | "always" | "unless-stopped";
  /** on-failure's limit of restarts; 0: no limit. */
  maxRetries: number;
}

export const NO_RESTART: RestartPolicy = { name: "no", maxRetries: 0 };

/** `no`, `on-failure[:N]`, `always` or `unless-stopped`, as docker run takes it. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const match = /^(no|on-failure|always|unless-stopped)(?::(\d+))?$/.exec(text);
  if (match === null) throw new MinicError(`invalid --restart "${text}": expected no, on-failure[:N], always or unless-stopped`);
  const name = match[1] as RestartPolicy["name"];
  if (match[2] !== undefined && name !== "on-failure") throw new MinicError(`invalid --restart "${text}": only on-failure takes a maximum retry count`);
  return { name, maxRetries: match[2] === undefined ? 0 : Number(match[2]) };
}

export function restartPolicyText(policy: RestartPolicy): string {
  return policy.name === "on-failure" && policy.maxRetries > 0 ? `on-failure:${policy.maxRetries}` : policy.name;
}

/**
 * Whether a container that exited with `exitCode` is started again. A container stopped by hand
 * (stop, kill, rm -f) is not, whatever its policy, as Docker leaves one until its daemon restarts.
 */
export function shouldRestart(policy: RestartPolicy, exit: { exitCode: number | null; restartCount: number; manuallyStopped: boolean }): boolean {
  if (policy.name === "no" || exit.manuallyStopped) return false;
  if (policy.name === "on-failure") return exit.exitCode !== 0 && (policy.maxRetries === 0 || exit.restartCount < policy.maxRetries);
  return true;
}

/** Docker's delay before each restart: 100 ms, doubled each time, at most a minute. */
export function restartDelayMs(restartCount: number): number {
  return Math.min(100 * 2 ** restartCount, 60_000);
}
