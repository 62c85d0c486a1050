// A container in a user namespace of its own, from the parent's side: the uid and gid maps,
// written between clone and the child's first op (only a process privileged outside the new
// namespace may write maps with more than its own id), and the idmapped overlay made on the host
// before clone (see native/idmap.c for why the child cannot make it).
import { closeSync, writeFileSync } from "node:fs";
import type { NativeExecutor } from "../../native/executor.ts";
import { geteuid, strerror } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";
import { deniesSetgroups, type IdmappedOverlay, type IdMappings } from "../plan/plan.ts";
import { MOUNT_ATTR } from "../plan/linux.ts";
import type { IdMapping } from "../spec/types.ts";
import { fsReason } from "../state/store.ts";

/** A uid_map or gid_map's text: one "inside outside count" line per mapping. */
export function idMapText(mappings: IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join("\n") + "\n";
}

/**
 * Each map must reach the kernel in one write: node's writeFileSync makes one for these sizes.
 * Root writes any map. An ordinary user may write only a map of their own id (and a gid_map only
 * after denying setgroups); a map with their subordinate ranges is written by newuidmap and
 * newgidmap, setuid root, which check it against /etc/subuid and /etc/subgid.
 */
export function writeIdMaps(pid: number, maps: IdMappings): void {
  const rootless = geteuid() !== 0;
  const ownOnly = (mappings: IdMapping[], id: number) => mappings.length === 1 && mappings[0]?.hostID === id && mappings[0].size === 1;
  if (rootless && !ownOnly(maps.uidMappings, geteuid())) mapWith("newuidmap", pid, maps.uidMappings);
  else writeMap(pid, "uid_map", maps.uidMappings);
  if (deniesSetgroups(maps, rootless ? (process.getegid?.() ?? -1) : null)) {
    writeMap(pid, "setgroups", null);
    writeMap(pid, "gid_map", maps.gidMappings);
  } else if (rootless) {
    mapWith("newgidmap", pid, maps.gidMappings);
  } else {
    writeMap(pid, "gid_map", maps.gidMappings);
  }
}

/** One of /proc/PID's map files; `setgroups` gets "deny". */
function writeMap(pid: number, file: "uid_map" | "gid_map" | "setgroups", mappings: IdMapping[] | null): void {
  try {
    writeFileSync(`/proc/${pid}/${file}`, mappings === null ? "deny" : idMapText(mappings));
  } catch (error) {
    throw new MinicError(`cannot write the container's ${file}: ${fsReason(error)}`);
  }
}

/** newuidmap PID INSIDE OUTSIDE COUNT ... (likewise newgidmap), or one line saying why not. */
function mapWith(program: "newuidmap" | "newgidmap", pid: number, mappings: IdMapping[]): void {
  const args = mappings.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)]);
  let result: ReturnType<typeof Bun.spawnSync>;
  try {
    result = Bun.spawnSync([program, String(pid), ...args], { stdout: "ignore", stderr: "pipe" });
  } catch {
    throw new MinicError(`a rootless container's ids are mapped by ${program}, which is not installed`, undefined, "apt-get install uidmap");
  }
  if (result.exitCode === 0) return;
  const said = (result.stderr ?? "").toString().trim().split("\n").pop() ?? "";
  const hint = /not permitted/i.test(said)
    ? `${program} must be setuid root: see ls -l $(command -v ${program})`
    : `the ranges in ${program === "newuidmap" ? "/etc/subuid" : "/etc/subgid"} are what a user may map`;
  throw new MinicError(`${program} could not map the container's ids: ${said || `exit status ${result.exitCode}`}`, undefined, hint);
}

/** A detached overlay whose lower layer is idmapped, for the child to attach: an fd, to close. */
export function makeIdmappedRoot(executor: NativeExecutor, overlay: IdmappedOverlay): number {
  const { lowerdir, upperdir, workdir, idMappings } = overlay;
  const lower = executor.idmappedTree(lowerdir, idMapText(idMappings.uidMappings), idMapText(idMappings.gidMappings));
  if (lower < 0) {
    throw new MinicError(`cannot make an idmapped mount of ${lowerdir}: ${strerror(-lower)}`, undefined, "idmapped mounts need Linux 5.12 or later and a file system that supports them (ext4, xfs, btrfs, tmpfs)");
  }
  try {
    const root = executor.detachedMount("overlay", [
      ["lowerdir", `/proc/self/fd/${lower}`],
      ["upperdir", upperdir],
      ["workdir", workdir],
    ]);
    if (root < 0) throw new MinicError(`cannot mount the container's overlay over an idmapped ${lowerdir}: ${strerror(-root)}`);
    return root;
  } finally {
    closeSync(lower);
  }
}

/** A sysfs showing the network namespace `netnsFd`, detached, for the child to attach. */
export function makeSysfsTree(executor: NativeExecutor, netnsFd: number, readonly: boolean): number {
  const attrs = MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC | (readonly ? MOUNT_ATTR.RDONLY : 0);
  const tree = executor.detachedMount("sysfs", [], netnsFd, attrs);
  if (tree < 0) throw new MinicError(`cannot make the container's sysfs in its network namespace: ${strerror(-tree)}`);
  return tree;
}
