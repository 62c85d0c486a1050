// Listing and removing containers: the runtime side of `minic ps` and `minic rm`.
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import { requireRoot } from "./privileges.ts";
import { removeCgroup } from "../cgroups/cgroup.ts";
import { observed } from "./observed.ts";
import { findContainer, listRecords, removeContainer, stateRoot, type ContainerRecord } from "../state/store.ts";

/** Containers newest first; only running ones unless `all`. */
export function listContainers(all: boolean): ContainerRecord[] {
  requireRoot();
  const root = stateRoot();
  return listRecords(root)
    .map(observed)
    .filter((record) => all || record.status === "running")
    .sort((a, b) => b.created.localeCompare(a.created));
}

/**
 * Remove stopped containers. Every reference is checked before anything is removed, so a typo
 * in the middle of a list removes nothing. Returns the references as given, in order.
 */
export function removeContainers(refs: string[]): string[] {
  requireRoot();
  if (refs.length === 0) throw new MinicError("rm needs at least one container name or id", undefined, "see 'minic rm --help'");
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  for (const [i, record] of records.entries()) {
    if (record.status !== "exited" && isAlive(record.process)) {
      throw new MinicError(`cannot remove container ${refs[i]}: it is running`, undefined, "stop it first (minic kill)");
    }
    // A `minic run` still making or waiting for it owns it: removing now would pull its layer away.
    if (record.status !== "exited" && isAlive(record.owner)) {
      throw new MinicError(`cannot remove container ${refs[i]}: it is being started`, undefined, "wait for it, or minic kill it");
    }
  }
  for (const record of new Set(records)) {
    // A container whose minic was killed may still have its cgroup: removed with it, explicitly.
    if (record.cgroup !== null) removeCgroup(record.cgroup);
    removeContainer(root, record.id, record.name);
  }
  return refs;
}
