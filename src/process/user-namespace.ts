// A container in a user namespace of its own, from the parent's side: the uid and gid maps,
// written between clone and the child's first op (only a process privileged outside the new
// namespace may write maps with more than its own id), and the idmapped overlay made on the host
// before clone (see native/idmap.c for why the child cannot make it).
import { closeSync, writeFileSync } from "node:fs";
import type { NativeExecutor } from "../../native/executor.ts";
import { strerror } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";
import type { IdmappedOverlay, IdMappings } from "../plan/plan.ts";
import { MOUNT_ATTR } from "../plan/linux.ts";
import type { IdMapping } from "../spec/types.ts";
import { fsReason } from "../state/store.ts";

/** A uid_map or gid_map's text: one "inside outside count" line per mapping. */
export function idMapText(mappings: IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join("\n") + "\n";
}

/** Each map must reach the kernel in one write: node's writeFileSync makes one for these sizes. */
export function writeIdMaps(pid: number, maps: IdMappings): void {
  for (const [file, mappings] of [["uid_map", maps.uidMappings], ["gid_map", maps.gidMappings]] as const) {
    try {
      writeFileSync(`/proc/${pid}/${file}`, idMapText(mappings));
    } catch (error) {
      throw new MinicError(`cannot write the container's ${file}: ${fsReason(error)}`);
    }
  }
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
