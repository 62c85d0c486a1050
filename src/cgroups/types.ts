// The shapes the cgroup drivers share.
import type { Resources } from "../spec/types.ts";

/** One directory minic made for a container, in one hierarchy. */
export interface CgroupDir {
  /** The directory on the host: /sys/fs/cgroup/memory/minic/<id>, /sys/fs/cgroup/minic/<id>. */
  path: string;
  /** The hierarchy's mount point on the host. */
  root: string;
  /** Its name under the container's /sys/fs/cgroup ("memory", "cpu,cpuacct"); "" for v2's single tree. */
  view: string;
  controllers: string[];
}

/** Kept in the container's record, so `stats` and cleanup need no detection. */
export interface ContainerCgroup {
  version: 1 | 2;
  dirs: CgroupDir[];
  /** false: no device rules in the cgroup (a rootless one's: v2's device program takes root; such
   *  a container can make no node, and reaches only the ones bound in). */
  devices?: false;
}

/** What `minic stats` shows; null where the host has no such controller. */
export interface CgroupUsage {
  memoryBytes: number | null;
  /** null: no limit. */
  memoryLimit: number | null;
  pids: number | null;
  pidsLimit: number | null;
  cpuNanoseconds: number | null;
}

export interface CgroupDriver {
  /** Make the directories and write the limits; on failure, remove what was made and throw. */
  create(cgroup: ContainerCgroup, resources: Resources): void;
  /** Write the limits given, and only those, to a container's existing cgroup (runc's update). */
  update(cgroup: ContainerCgroup, resources: Resources): void;
  usage(cgroup: ContainerCgroup): CgroupUsage;
  /** How many times the kernel's OOM killer killed a process of this cgroup. */
  oomKills(cgroup: ContainerCgroup): number;
}
