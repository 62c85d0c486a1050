// `minic stop [-t SECONDS] CONTAINER...` and `minic wait CONTAINER...`: a graceful stop (the stop
// signal, then SIGKILL after the grace period), and waiting for containers to end.
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import type { Spec } from "../spec/types.ts";
import { detachedBundleDir, findContainer, readRecord, readSpec, stateRoot, type ContainerRecord } from "../state/store.ts";
import { readFileSync } from "node:fs";
import { exitFilePath } from "./run-detached.ts";
import { parseSignal } from "./kill.ts";
import { STOP_SIGNAL_ANNOTATION, STOP_TIMEOUT_ANNOTATION } from "../spec/from-run-flags.ts";
import { updateRecord } from "./restart.ts";

const DEFAULT_TIMEOUT_S = 10;
/** How long after its process ends a detached container's exit command may take to record it. */
const RECORD_GRACE_MS = 5000;

/**
 * Stop each container: its stop signal (--stop-signal, the image's STOPSIGNAL, else SIGTERM),
 * then SIGKILL if it is still there after `timeout` seconds (else its --stop-timeout, else 10).
 * A container that is not running is left as it is, as Docker does.
 */
/** null: the container's own (--stop-signal or STOPSIGNAL, --stop-timeout), else SIGTERM and 10 s. */
export interface StopSettings {
  timeout: number | null;
  signal: string | null;
}

export async function stopContainers(refs: string[], settings: StopSettings): Promise<string[]> {
  if (refs.length === 0) throw new MinicError("stop needs at least one container name or id", undefined, "see 'minic stop --help'");
  // A bad signal name fails before any container is touched.
  const signal = settings.signal === null ? null : parseSignal(settings.signal);
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  await Promise.all(records.map((record) => stopOne(root, record, settings.timeout, signal)));
  return refs;
}

async function stopOne(root: string, record: ContainerRecord, timeout: number | null, given: number | null): Promise<void> {
  // Stopped by hand: its restart policy leaves it be (and one waiting to restart stays stopped).
  updateRecord(root, record.id, (latest) => (latest.manuallyStopped ? null : { ...latest, manuallyStopped: true }));
  // A created container has not started: Docker leaves it as it is, and so does minic.
  if (record.status !== "running" || !isAlive(record.process)) return;
  const annotations = (readSpec(root, record.id) as Pick<Spec, "annotations">).annotations ?? {};
  const signal = given ?? parseSignal(annotations[STOP_SIGNAL_ANNOTATION] ?? "TERM");
  const seconds = timeout ?? (annotations[STOP_TIMEOUT_ANNOTATION] !== undefined ? Number(annotations[STOP_TIMEOUT_ANNOTATION]) : DEFAULT_TIMEOUT_S);
  send(record, signal);
  const deadline = Date.now() + seconds * 1000;
  while (isAlive(record.process) && Date.now() < deadline) await Bun.sleep(20);
  if (isAlive(record.process)) {
    send(record, 9);
    while (isAlive(record.process)) await Bun.sleep(10);
  }
  await settled(root, record.id);
}

function send(record: ContainerRecord, signal: number): void {
  try {
    process.kill(record.process?.pid ?? 0, signal);
  } catch {
    // gone already
  }
}

/**
 * Wait for each container to stop; their exit codes, in order. A detached container's record
 * says it once conmon's exit command has run.
 */
export async function waitContainers(refs: string[]): Promise<number[]> {
  if (refs.length === 0) throw new MinicError("wait needs at least one container name or id", undefined, "see 'minic wait --help'");
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  const codes: number[] = [];
  for (const record of records) {
    // A --rm container's record goes at its exit: what conmon wrote before it is the answer then.
    let written: number | null = null;
    const look = (): void => {
      written = exitFileCode(root, record.id) ?? written;
    };
    // Every 5 ms: with --rm, the file lives only from conmon's reaping to the exit command's
    // removal, about 15 ms.
    while (record.status !== "stopped" && isAlive(record.process)) {
      look();
      await Bun.sleep(5);
    }
    // conmon writes the file just after it reaps the process and before its exit command (which
    // takes a Bun start, some milliseconds) can remove it: look closely for a moment.
    for (let tries = 0; tries < 100 && written === null && readRecord(root, record.id) !== null; tries++) {
      look();
      if (written === null) await Bun.sleep(2);
    }
    const final = await settled(root, record.id, look);
    codes.push(final?.exitCode ?? written ?? -1);
  }
  return codes;
}

/** The exit code conmon wrote for a detached container, while its bundle is there. */
export function exitFileCode(root: string, id: string): number | null {
  try {
    const text = readFileSync(exitFilePath(detachedBundleDir(root, id), id), "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** The record once it says the container stopped (or it is gone, with --rm); null if gone. */
async function settled(root: string, id: string, meanwhile: () => void = () => {}): Promise<ContainerRecord | null> {
  const deadline = Date.now() + RECORD_GRACE_MS;
  for (;;) {
    meanwhile();
    const entry = readRecord(root, id);
    if (entry === null || entry.kind !== "ok") return null;
    if (entry.record.status === "stopped" || Date.now() > deadline) return entry.record;
    await Bun.sleep(20);
  }
}
