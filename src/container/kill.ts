// `minic kill`: a signal to each named container's init (default SIGKILL, as docker kill).
import { constants } from "node:os";
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import { findContainer, stateRoot } from "../state/store.ts";
import { requireRoot } from "./privileges.ts";

/** A signal by name (KILL, SIGKILL, kill) or number, as docker kill and runc kill take it. */
export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number >= 1 && number <= 64) return number;
    throw new MinicError(`invalid signal: ${text}`);
  }
  const name = text.toUpperCase().startsWith("SIG") ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
  const number = (constants.signals as Record<string, number | undefined>)[name];
  if (number === undefined) throw new MinicError(`invalid signal: ${text}`);
  return number;
}

export function killContainers(refs: string[], signal: string | null): string[] {
  requireRoot();
  if (refs.length === 0) throw new MinicError("kill needs at least one container name or id", undefined, "see 'minic kill --help'");
  const number = parseSignal(signal ?? "KILL");
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  for (const [i, record] of records.entries()) {
    if (record.status === "stopped" || !isAlive(record.process)) throw new MinicError(`cannot kill container ${refs[i]}: it is not running`);
  }
  for (const record of records) {
    try {
      process.kill(record.process?.pid ?? 0, number);
    } catch {
      // it exited between the check and the signal: what the user asked for has happened
    }
  }
  return refs;
}
