// A container's cgroup: where it lives on the host, made before the container starts, read
// while it runs, removed after its last process. The v1 and v2 drivers differ only in files.
import { readFileSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { log } from "../log.ts";
import { neededControllers } from "../spec/limits.ts";
import type { Resources } from "../spec/types.ts";
import { errorCode } from "./files.ts";
import type { CgroupLayout } from "./layout.ts";
import type { ContainerCgroup, CgroupDriver } from "./types.ts";
import { placeV1, v1Driver } from "./v1.ts";
import { placeV2, v2Driver } from "./v2.ts";

export function driverFor(cgroup: ContainerCgroup): CgroupDriver {
  return cgroup.version === 2 ? v2Driver : v1Driver;
}

/**
 * Where a container's cgroup goes and which controllers it gets. null when the host has no
 * cgroups at all and no limit was asked for; a MinicError naming the controller a limit needs
 * and the host lacks.
 */
export function placeCgroup(layout: CgroupLayout, relativePath: string, resources: Resources): ContainerCgroup | null {
  if (layout.version === 1) return placeV1(layout, relativePath, resources);
  if (layout.version === 2) return placeV2(layout, relativePath, resources);
  // Device rules alone do not refuse such a host (there is no device cgroup to hold them); limits do.
  if (neededControllers(resources).length > 0) throw new MinicError("resource limits need cgroups, and this host has no cgroup file system mounted");
  return null;
}

/**
 * A rootless container's cgroup: in the cgroup v2 subtree delegated to the user (the highest
 * ancestor of minic's own cgroup that the user owns, as systemd's user@UID.service is), or none.
 * Without one, a limit is refused by name: nothing else could enforce it.
 */
export function placeRootlessCgroup(layout: CgroupLayout, relativePath: string, resources: Resources, uid: number): ContainerCgroup | null {
  const delegated = layout.version === 2 ? delegatedSubtree(layout.mountpoint, uid) : null;
  if (layout.version === 2 && delegated !== null) return { ...placeV2(layout, join(delegated, relativePath), resources), devices: false };
  const limits = [...neededControllers(resources), ...(resources.blockIO !== undefined ? ["blkio"] : [])];
  if (limits.length > 0) {
    const why = layout.version === 1 ? "this host keeps its controllers in cgroup v1, which is not delegated to users" : layout.version === 2 ? "no cgroup v2 subtree is delegated to this user" : "this host has no cgroups";
    throw new MinicError(`resource limits (${limits.join(", ")}) need a cgroup of the container's own, and minic runs rootless without one: ${why}`, undefined, "run as root, or on cgroup v2 in a session that delegates a subtree, as systemd's user@UID.service does");
  }
  return null;
}

/** The delegated subtree of minic's own cgroup v2, relative to the mount; null: none. */
export function delegatedSubtree(mountpoint: string, uid: number): string | null {
  let own: string | undefined;
  try {
    own = /^0::(\/.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1];
  } catch {
    return null;
  }
  if (own === undefined) return null;
  let found: string | null = null;
  // The highest ancestor the user owns (directory and cgroup.procs): from the root down.
  const parts = own.split("/").filter(Boolean);
  for (let depth = 1; depth <= parts.length && found === null; depth++) {
    const relative = `/${parts.slice(0, depth).join("/")}`;
    try {
      if (statSync(join(mountpoint, relative)).uid === uid && statSync(join(mountpoint, relative, "cgroup.procs")).uid === uid) found = relative;
    } catch {
      // gone, or not ours to look at
    }
  }
  return found;
}

/** Create, then write limits; anything made is removed again if a step fails. */
export function createCgroup(cgroup: ContainerCgroup, resources: Resources): void {
  driverFor(cgroup).create(cgroup, resources);
}

const EBUSY_RETRY_MS = 2000;

/**
 * rmdir each of the container's directories (leaves: the shared `minic` parent stays). The kernel
 * answers EBUSY while the last processes are still being torn down, so retry briefly. A directory
 * already gone is fine. Returns the directories that could not be removed.
 */
export function removeCgroup(cgroup: ContainerCgroup): string[] {
  const deadline = Date.now() + EBUSY_RETRY_MS;
  const left: string[] = [];
  for (const dir of cgroup.dirs) {
    for (;;) {
      try {
        rmdirSync(dir.path);
        break;
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT") break;
        if (code === "EBUSY" && Date.now() < deadline) {
          Bun.sleepSync(10);
          continue;
        }
        log.warn(`could not remove cgroup ${dir.path}: ${code ?? String(error)}`);
        left.push(dir.path);
        break;
      }
    }
  }
  return left;
}
