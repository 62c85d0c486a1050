// cgroup v2: one tree (usually /sys/fs/cgroup). A controller is usable in a cgroup only when
// every ancestor lists it in cgroup.subtree_control, so minic enables it along the path.
import { rmdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { MinicError } from "../errors.ts";
import { neededControllers } from "../spec/limits.ts";
import type { Resources } from "../spec/types.ts";
import {
  cgroupFileExists,
  dirWith,
  makeCgroupDir,
  missingController,
  readCgroupFile,
  readKeyedFile,
  readNumber,
  writeCgroupFile,
} from "./files.ts";
import type { CgroupLayout } from "./layout.ts";
import { attachDeviceProgram } from "./v2-devices.ts";
import type { CgroupDriver, ContainerCgroup } from "./types.ts";

/** The controllers minic puts every container under when the host offers them. */
const WANTED = ["cpu", "memory", "pids"];

export function placeV2(layout: Extract<CgroupLayout, { version: 2 }>, relativePath: string, resources: Resources): ContainerCgroup {
  // v2 names v1's blkio "io".
  const needed = [...neededControllers(resources), ...(resources.blockIO !== undefined ? ["io"] : [])];
  for (const controller of needed) {
    if (!layout.controllers.includes(controller)) {
      const offered = layout.controllers.length > 0 ? layout.controllers.join(" ") : "none";
      throw missingController(controller, `cgroup v2 at ${layout.mountpoint} offers: ${offered}`);
    }
  }
  return {
    version: 2,
    dirs: [
      {
        path: join(layout.mountpoint, relativePath),
        root: layout.mountpoint,
        view: "",
        controllers: [...new Set([...WANTED, ...needed])].filter((controller) => layout.controllers.includes(controller)),
      },
    ],
  };
}

/** cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default 100), as runc converts. */
export function sharesToWeight(shares: number): number {
  const clamped = Math.min(262_144, Math.max(2, shares));
  return 1 + Math.floor(((clamped - 2) * 9999) / 262_142);
}

/** The limit files to write, in order. `hasSwapFile`: this host accounts swap (memory.swap.max). */
export function v2LimitFiles(resources: Resources, hasSwapFile: boolean): [file: string, value: string][] {
  const files: [string, string][] = [];
  const { memory, cpu, pids } = resources;
  if (memory?.limit !== undefined) {
    files.push(["memory.max", String(memory.limit)]);
    if (memory.swap !== undefined) {
      if (!hasSwapFile) throw new MinicError("--memory-swap: this host does not account swap in cgroups (no memory.swap.max)");
      files.push(["memory.swap.max", memory.swap === -1 ? "max" : String(memory.swap - memory.limit)]);
    } else if (hasSwapFile) {
      // Docker's default: as much swap as memory.
      files.push(["memory.swap.max", String(memory.limit)]);
    }
  }
  if (memory?.reservation !== undefined) files.push(["memory.low", memory.reservation === -1 ? "max" : String(memory.reservation)]);
  if (memory?.kernel !== undefined || memory?.kernelTCP !== undefined || memory?.swappiness !== undefined || memory?.disableOOMKiller) {
    throw new MinicError("linux.resources.memory: kernel, kernelTCP, swappiness and disableOOMKiller exist on cgroup v1 only, and this host runs cgroup v2");
  }
  if (cpu?.realtimePeriod !== undefined || cpu?.realtimeRuntime !== undefined) {
    throw new MinicError("linux.resources.cpu: realtimePeriod and realtimeRuntime exist on cgroup v1 only, and this host runs cgroup v2");
  }
  if (resources.network !== undefined) throw new MinicError("linux.resources.network (net_cls, net_prio) exists on cgroup v1 only, and this host runs cgroup v2");
  const io = resources.blockIO;
  if (io?.leafWeight !== undefined || io?.weightDevice?.some((device) => device.leafWeight !== undefined)) {
    throw new MinicError("linux.resources.blockIO: leaf weights exist on cgroup v1 only, and this host runs cgroup v2");
  }
  if (io?.weight !== undefined) files.push(["io.weight", `default ${io.weight}`]);
  for (const device of io?.weightDevice ?? []) if (device.weight !== undefined) files.push(["io.weight", `${device.major}:${device.minor} ${device.weight}`]);
  const limits = [["throttleReadBpsDevice", "rbps"], ["throttleWriteBpsDevice", "wbps"], ["throttleReadIOPSDevice", "riops"], ["throttleWriteIOPSDevice", "wiops"]] as const;
  for (const [field, key] of limits) {
    for (const device of io?.[field] ?? []) files.push(["io.max", `${device.major}:${device.minor} ${key}=${device.rate ?? 0}`]);
  }
  for (const { pageSize, limit } of resources.hugepageLimits ?? []) files.push([`hugetlb.${pageSize}.max`, String(limit)]);
  if (cpu?.cpus !== undefined) files.push(["cpuset.cpus", cpu.cpus]);
  if (cpu?.mems !== undefined) files.push(["cpuset.mems", cpu.mems]);
  if (cpu?.quota !== undefined) files.push(["cpu.max", `${cpu.quota} ${cpu.period ?? 100_000}`]);
  if (cpu?.shares !== undefined) files.push(["cpu.weight", String(sharesToWeight(cpu.shares))]);
  if (pids) files.push(["pids.max", String(pids.limit)]);
  return files;
}

/** Every directory from the mount point down to `path`'s parent, enabling `controllers` in each. */
function enableAlongPath(root: string, path: string, controllers: string[]): void {
  let dir = root;
  const parts = relative(root, dirname(path)).split("/").filter(Boolean);
  for (let i = 0; ; i++) {
    const enabled = (readCgroupFile(dir, "cgroup.subtree_control") ?? "").split(/\s+/);
    const missing = controllers.filter((controller) => !enabled.includes(controller));
    if (missing.length > 0) writeCgroupFile(dir, "cgroup.subtree_control", missing.map((c) => `+${c}`).join(" "));
    const next = parts[i];
    if (next === undefined) return;
    dir = join(dir, next);
    makeCgroupDir(dir, true);
  }
}

export const v2Driver: CgroupDriver = {
  create(cgroup, resources) {
    const [dir] = cgroup.dirs;
    if (dir === undefined) return;
    enableAlongPath(dir.root, dir.path, dir.controllers);
    makeCgroupDir(dir.path, false);
    try {
      for (const [file, value] of v2LimitFiles(resources, cgroupFileExists(dir.path, "memory.swap.max"))) {
        writeCgroupFile(dir.path, file, value);
      }
      for (const [file, value] of Object.entries(resources.unified ?? {})) writeCgroupFile(dir.path, file, value);
      if (resources.devices !== undefined && cgroup.devices !== false) attachDeviceProgram(dir.path, resources.devices);
    } catch (error) {
      rmdirSync(dir.path);
      throw error;
    }
  },

  update(cgroup, resources) {
    const [dir] = cgroup.dirs;
    if (dir === undefined) return;
    for (const [file, value] of v2LimitFiles(resources, resources.memory?.swap !== undefined)) writeCgroupFile(dir.path, file, value);
    for (const [file, value] of Object.entries(resources.unified ?? {})) writeCgroupFile(dir.path, file, value);
  },

  usage(cgroup) {
    const memory = dirWith(cgroup, "memory");
    const pids = dirWith(cgroup, "pids");
    const any = cgroup.dirs[0];
    const current = memory ? readNumber(memory.path, "memory.current") : null;
    const inactive = memory ? (readKeyedFile(memory.path, "memory.stat").get("inactive_file") ?? 0) : 0;
    // cpu.stat is there without the cpu controller: usage is always accounted on v2.
    const usec = any ? readKeyedFile(any.path, "cpu.stat").get("usage_usec") : undefined;
    return {
      memoryBytes: current === null ? null : Math.max(0, current - inactive),
      memoryLimit: memory ? readNumber(memory.path, "memory.max") : null,
      pids: pids ? readNumber(pids.path, "pids.current") : null,
      pidsLimit: pids ? readNumber(pids.path, "pids.max") : null,
      cpuNanoseconds: usec === undefined ? null : usec * 1000,
    };
  },

  oomKills(cgroup) {
    const memory = dirWith(cgroup, "memory");
    return memory ? (readKeyedFile(memory.path, "memory.events").get("oom_kill") ?? 0) : 0;
  },
};
