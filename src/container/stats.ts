// `minic stats`: what a running container uses right now, read from its own cgroup.
import { totalmem } from "node:os";
import { driverFor } from "../cgroups/cgroup.ts";
import type { CgroupUsage } from "../cgroups/types.ts";
import { isAlive } from "../process/identity.ts";
import { findContainer, listRecords, stateRoot, type ContainerRecord } from "../state/store.ts";

export interface ContainerStats {
  id: string;
  name: string;
  /** null for a container that is not running: it has no cgroup any more. */
  usage: CgroupUsage | null;
  /** What the memory percentage is of: the limit, the host's memory when there is none, 0 when not running. */
  memoryCeiling: number;
  /** Running without a cgroup of its own (rootless, nothing delegated): there is no usage to read. */
  cgroupless: boolean;
}

function statsOf(record: ContainerRecord): ContainerStats {
  const running = record.status === "running" && record.cgroup !== null && isAlive(record.process);
  const usage = running && record.cgroup ? driverFor(record.cgroup).usage(record.cgroup) : null;
  const cgroupless = record.status === "running" && record.cgroup === null && isAlive(record.process);
  return { id: record.id, name: record.name, usage, memoryCeiling: usage === null ? 0 : (usage.memoryLimit ?? totalmem()), cgroupless };
}

/** One sample for each container named, or for every running container when none is. */
export function containerStats(refs: string[]): ContainerStats[] {
  const root = stateRoot();
  const records =
    refs.length > 0
      ? refs.map((ref) => findContainer(root, ref))
      : listRecords(root)
          .flatMap((entry) => (entry.kind === "ok" && entry.record.status === "running" ? [entry.record] : []))
          .sort((a, b) => b.created.localeCompare(a.created));
  return records.map(statsOf);
}
