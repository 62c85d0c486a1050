// cgroup v1: one hierarchy per controller (or per group of co-mounted controllers), each with
// its own directory for the container and its own files.
import { basename, dirname, join, relative } from "node:path";
import { rmdirSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { neededControllers } from "../spec/limits.ts";
import type { Resources } from "../spec/types.ts";
import { v1DeviceWrites } from "./devices.ts";
import { cgroupFileExists, dirWith, makeCgroupDir, missingController, readCgroupFile, readKeyedFile, readNumber, writeCgroupFile, writeCgroupLines } from "./files.ts";
import type { CgroupLayout } from "./layout.ts";
import type { CgroupDir, CgroupDriver, ContainerCgroup } from "./types.ts";

export function placeV1(layout: Extract<CgroupLayout, { version: 1 }>, relativePath: string, resources: Resources): ContainerCgroup {
  const offered = new Set(layout.hierarchies.flatMap((hierarchy) => hierarchy.controllers));
  for (const controller of neededControllers(resources)) {
    if (!offered.has(controller)) throw missingController(controller, "no cgroup v1 hierarchy has it mounted");
  }
  // Every hierarchy the host mounts, not only those with limits: a hierarchy left shared with
  // the host is one a nested namespace could mount and write (freeze host processes, say).
  const dirs: CgroupDir[] = layout.hierarchies.map((hierarchy) => ({
      path: join(hierarchy.mountpoint, relativePath),
      root: hierarchy.mountpoint,
      view: basename(hierarchy.mountpoint),
      controllers: hierarchy.controllers,
    }));
  return { version: 1, dirs };
}

/** The limit files to write, by controller, in order. `hasMemsw`: swap is accounted here. */
export function v1LimitFiles(resources: Resources, hasMemsw: boolean): [controller: string, file: string, value: string][] {
  const files: [string, string, string][] = [];
  const { memory, cpu, pids } = resources;
  if (memory?.limit !== undefined) {
    // The memory limit first: memsw may never be below it.
    files.push(["memory", "memory.limit_in_bytes", String(memory.limit)]);
    if (memory.swap !== undefined) {
      if (!hasMemsw) throw new MinicError("--memory-swap: this host does not account swap in cgroups (no memory.memsw.limit_in_bytes)");
      files.push(["memory", "memory.memsw.limit_in_bytes", String(memory.swap)]);
    } else if (hasMemsw) {
      // Docker's default: as much swap as memory, so memory and swap together are twice the limit.
      files.push(["memory", "memory.memsw.limit_in_bytes", String(memory.limit * 2)]);
    }
  }
  if (memory?.reservation !== undefined) files.push(["memory", "memory.soft_limit_in_bytes", String(memory.reservation)]);
  if (memory?.kernel !== undefined) files.push(["memory", "memory.kmem.limit_in_bytes", String(memory.kernel)]);
  if (memory?.kernelTCP !== undefined) files.push(["memory", "memory.kmem.tcp.limit_in_bytes", String(memory.kernelTCP)]);
  if (memory?.swappiness !== undefined) files.push(["memory", "memory.swappiness", String(memory.swappiness)]);
  if (memory?.disableOOMKiller) files.push(["memory", "memory.oom_control", "1"]);
  if (cpu?.cpus !== undefined) files.push(["cpuset", "cpuset.cpus", cpu.cpus]);
  if (cpu?.mems !== undefined) files.push(["cpuset", "cpuset.mems", cpu.mems]);
  // The period before the runtime, which may not exceed it.
  if (cpu?.realtimePeriod !== undefined) files.push(["cpu", "cpu.rt_period_us", String(cpu.realtimePeriod)]);
  if (cpu?.realtimeRuntime !== undefined) files.push(["cpu", "cpu.rt_runtime_us", String(cpu.realtimeRuntime)]);
  if (cpu?.quota !== undefined) {
    files.push(["cpu", "cpu.cfs_period_us", String(cpu.period ?? 100_000)]);
    files.push(["cpu", "cpu.cfs_quota_us", String(cpu.quota)]);
  }
  if (cpu?.shares !== undefined) files.push(["cpu", "cpu.shares", String(cpu.shares)]);
  if (pids) files.push(["pids", "pids.max", String(pids.limit)]);
  const io = resources.blockIO;
  if (io?.weight !== undefined) files.push(["blkio", "blkio.weight", String(io.weight)]);
  if (io?.leafWeight !== undefined) files.push(["blkio", "blkio.leaf_weight", String(io.leafWeight)]);
  for (const device of io?.weightDevice ?? []) {
    if (device.weight !== undefined) files.push(["blkio", "blkio.weight_device", `${device.major}:${device.minor} ${device.weight}`]);
    if (device.leafWeight !== undefined) files.push(["blkio", "blkio.leaf_weight_device", `${device.major}:${device.minor} ${device.leafWeight}`]);
  }
  const throttles = [
    ["throttleReadBpsDevice", "blkio.throttle.read_bps_device"],
    ["throttleWriteBpsDevice", "blkio.throttle.write_bps_device"],
    ["throttleReadIOPSDevice", "blkio.throttle.read_iops_device"],
    ["throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"],
  ] as const;
  for (const [field, file] of throttles) {
    for (const device of io?.[field] ?? []) files.push(["blkio", file, `${device.major}:${device.minor} ${device.rate ?? 0}`]);
  }
  for (const { pageSize, limit } of resources.hugepageLimits ?? []) files.push(["hugetlb", `hugetlb.${pageSize}.limit_in_bytes`, String(limit)]);
  if (resources.network?.classID !== undefined) files.push(["net_cls", "net_cls.classid", String(resources.network.classID)]);
  for (const { name, priority } of resources.network?.priorities ?? []) files.push(["net_prio", "net_prio.ifpriomap", `${name} ${priority}`]);
  return files;
}

/**
 * The weight files exist only with a scheduler that has weights: CFQ's blkio.weight and
 * blkio.leaf_weight, BFQ's blkio.bfq.weight (no leaf weights). Throttle files always exist.
 */
function blkioFile(dir: string, file: string): string {
  if (!/^blkio\.(leaf_)?weight/.test(file) || cgroupFileExists(dir, file)) return file;
  const bfq = file.replace("blkio.", "blkio.bfq.");
  if (cgroupFileExists(dir, bfq)) return bfq;
  throw new MinicError(`linux.resources.blockIO: ${file} is not on this host (its I/O scheduler offers no blkio weights)`);
}

/**
 * A new cpuset cgroup starts with no CPUs and no memory nodes, and nothing can join it until
 * both are set: each level below the hierarchy's root that has none takes its parent's. The
 * levels above the container's also get cgroup.clone_children, so that the kernel itself fills
 * in the next container's cpuset when it is made (one read instead of six calls per start).
 */
function inheritCpuset(root: string, path: string): void {
  if ((readCgroupFile(path, "cpuset.cpus") ?? "") !== "" && (readCgroupFile(path, "cpuset.mems") ?? "") !== "") return;
  const levels = relative(root, path).split("/");
  for (let depth = 1; depth <= levels.length; depth++) {
    const dir = join(root, ...levels.slice(0, depth));
    const parent = dirname(dir);
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      if ((readCgroupFile(dir, file) ?? "") === "") writeCgroupFile(dir, file, readCgroupFile(parent, file) ?? "");
    }
    if (depth < levels.length) writeCgroupFile(dir, "cgroup.clone_children", "1");
  }
}

export const v1Driver: CgroupDriver = {
  create(cgroup, resources) {
    if (resources.unified !== undefined) throw new MinicError("linux.resources.unified names cgroup v2 files, and this host runs cgroup v1");
    const made: string[] = [];
    try {
      for (const dir of cgroup.dirs) {
        makeCgroupDir(dir.path, true);
        made.push(dir.path);
      }
      const memory = dirWith(cgroup, "memory");
      const hasMemsw = memory !== undefined && cgroupFileExists(memory.path, "memory.memsw.limit_in_bytes");
      const cpuset = dirWith(cgroup, "cpuset");
      if (cpuset !== undefined) inheritCpuset(cpuset.root, cpuset.path);
      if (resources.devices !== undefined) {
        const devices = dirWith(cgroup, "devices");
        if (devices === undefined) throw missingController("devices", "no cgroup v1 hierarchy has it mounted");
        writeCgroupLines(devices.path, v1DeviceWrites(resources.devices));
      }
      for (const [controller, file, value] of v1LimitFiles(resources, hasMemsw)) {
        const dir = dirWith(cgroup, controller);
        if (dir === undefined) throw missingController(controller, "no cgroup v1 hierarchy has it mounted");
        writeCgroupFile(dir.path, controller === "blkio" ? blkioFile(dir.path, file) : file, value);
      }
    } catch (error) {
      for (const path of made) rmdirSync(path);
      throw error;
    }
  },

  update(cgroup, resources) {
    // Swap is written only when given: an update never falls back to Docker's default for it.
    for (const [controller, file, value] of v1LimitFiles(resources, resources.memory?.swap !== undefined)) {
      const dir = dirWith(cgroup, controller);
      if (dir === undefined) throw missingController(controller, "no cgroup v1 hierarchy has it mounted");
      writeCgroupFile(dir.path, controller === "blkio" ? blkioFile(dir.path, file) : file, value);
    }
  },

  usage(cgroup) {
    const memory = dirWith(cgroup, "memory");
    const pids = dirWith(cgroup, "pids");
    const cpuacct = dirWith(cgroup, "cpuacct");
    const current = memory ? readNumber(memory.path, "memory.usage_in_bytes") : null;
    const inactive = memory ? (readKeyedFile(memory.path, "memory.stat").get("total_inactive_file") ?? 0) : 0;
    return {
      memoryBytes: current === null ? null : Math.max(0, current - inactive),
      memoryLimit: memory ? readNumber(memory.path, "memory.limit_in_bytes") : null,
      pids: pids ? readNumber(pids.path, "pids.current") : null,
      pidsLimit: pids ? readNumber(pids.path, "pids.max") : null,
      cpuNanoseconds: cpuacct ? readNumber(cpuacct.path, "cpuacct.usage") : null,
    };
  },

  oomKills(cgroup) {
    const memory = dirWith(cgroup, "memory");
    if (memory === undefined) return 0;
    // oom_kill is in memory.oom_control since Linux 4.13.
    return readKeyedFile(memory.path, "memory.oom_control").get("oom_kill") ?? 0;
  },
};
