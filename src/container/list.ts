// Listing and removing containers: the runtime side of `minic ps` and `minic rm`.
import { removeContainerFiles } from "./remove-files.ts";
import { releaseNetwork } from "./network.ts";
import { treeSize } from "../image/rootfs-output.ts";
import { labelsOf } from "../spec/labels.ts";
import type { Spec } from "../spec/types.ts";
import { releaseHostMounts } from "./host-mounts.ts";
import { placeCgroup, removeCgroup } from "../cgroups/cgroup.ts";
import { hostCgroupLayout } from "../cgroups/layout.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import { DEFAULT_CGROUP_PARENT } from "../spec/from-run-flags.ts";
import { validateSpec } from "../spec/validate.ts";
import { entryId, findEntry, listRecords, lockContainer, namesOf, overlayLayout, readRecord, readSpec, stateRoot, type ContainerRecord, type RecordRead } from "../state/store.ts";
import { observed } from "./observed.ts";
import { thaw } from "./pause.ts";

/** Containers newest first (damaged records last); only running ones unless `all`. */
export function listContainers(all: boolean): RecordRead[] {
  const entries = listRecords(stateRoot()).map((entry) => (entry.kind === "ok" ? { ...entry, record: observed(entry.record) } : entry));
  const ok = entries.flatMap((entry) => (entry.kind === "ok" && (all || entry.record.status === "running") ? [entry] : []));
  ok.sort((a, b) => b.record.created.localeCompare(a.record.created));
  return all ? [...ok, ...entries.filter((entry) => entry.kind === "damaged")] : ok;
}

/** A container's labels (-l, --label-file, the image's), from its spec. */
export function containerLabels(id: string): Record<string, string> {
  try {
    return labelsOf((readSpec(stateRoot(), id) as Pick<Spec, "annotations">).annotations);
  } catch {
    return {};
  }
}

/** What the container wrote to its writable layer (its overlay's upper directory), in bytes. */
export function writableLayerBytes(id: string): number {
  try {
    return treeSize(overlayLayout(stateRoot(), id).upperdir).bytes;
  } catch {
    return 0;
  }
}

const GONE_AFTER_MS = 5000;

/**
 * Remove containers. Every reference is checked before anything is removed, so a typo in the
 * middle of a list removes nothing. Without `force`, running containers and damaged records are
 * refused; with it, a running container is killed first. Returns the references as given.
 */
export async function removeContainers(refs: string[], force: boolean): Promise<string[]> {
  if (refs.length === 0) throw new MinicError("rm needs at least one container name or id", undefined, "see 'minic rm --help'");
  const root = stateRoot();
  const entries = refs.map((ref) => findEntry(root, ref));
  if (!force) entries.forEach((entry, i) => refuseBusy(entry, refs[i] ?? ""));
  for (const id of new Set(entries.map(entryId))) {
    const lock = lockContainer(root, id);
    try {
      // Read again under the lock: another command may have changed or removed it meanwhile.
      const entry = readRecord(root, id);
      if (entry === null) continue;
      if (!force) refuseBusy(entry, id.slice(0, 12));
      if (entry.kind === "ok") await stop(entry.record);
      if (entry.kind === "ok") releaseHostMounts(entry.record.hostMounts);
      // Without -f a network that cannot be taken back keeps the container, to be tried again.
      releaseNetwork(root, id, undefined, force ? "force" : "throw");
      removeCgroup(entry.kind === "ok" && entry.record.cgroup !== null ? entry.record.cgroup : cgroupOfDamaged(root, id));
      removeContainerFiles(root, id, entry.kind === "ok" ? entry.record.name : (namesOf(root, id)[0] ?? null));
    } finally {
      lock.release();
    }
  }
  return refs;
}

function refuseBusy(entry: RecordRead, ref: string): void {
  if (entry.kind === "damaged") {
    throw new MinicError(`cannot remove container ${ref}: its record is damaged (${entry.reason})`, undefined, "remove it with minic rm -f");
  }
  const { record } = entry;
  if (record.status !== "stopped" && isAlive(record.process)) {
    throw new MinicError(`cannot remove container ${ref}: it is running`, undefined, "stop it first (minic kill), or use minic rm -f");
  }
  // A `minic run` still making or waiting for it owns it: removing now would pull its layer away.
  if (record.status !== "stopped" && isAlive(record.owner)) {
    throw new MinicError(`cannot remove container ${ref}: it is being started`, undefined, "wait for it, or use minic rm -f");
  }
}

/** SIGKILL a container's init (the kernel then ends its whole PID namespace) and wait for it. */
async function stop(record: ContainerRecord): Promise<void> {
  if (record.status === "stopped" || !isAlive(record.process)) return;
  // A frozen process takes its SIGKILL only once thawed.
  thaw(record.cgroup);
  try {
    process.kill(record.process?.pid ?? 0, "SIGKILL");
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + GONE_AFTER_MS;
  while (isAlive(record.process) && Date.now() < deadline) await Bun.sleep(10);
}

/** A damaged record does not say where its cgroup is: its config.json does, else minic's default. */
function cgroupOfDamaged(root: string, id: string): ContainerCgroup {
  let path = `${DEFAULT_CGROUP_PARENT}/${id}`;
  try {
    path = validateSpec(readSpec(root, id)).linux.cgroupsPath;
  } catch {
    // the spec is unreadable too: the default place is all there is to try
  }
  return placeCgroup(hostCgroupLayout(), path, {}) ?? { version: 2, dirs: [] };
}
