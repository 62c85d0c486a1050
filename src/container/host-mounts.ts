// A container without a mount namespace of its own (an OCI config may ask for that) makes its
// mounts in its creator's, under its root, where they outlive it: runc leaves them there. minic
// notes which mounts were below the root before the container was made, and detaches the others
// when the container is removed or its create fails.
import { readFileSync, realpathSync } from "node:fs";
import { detachMount, strerror } from "../../native/libc.ts";
import { log } from "../log.ts";
import type { Spec } from "../spec/types.ts";
import type { HostMounts } from "../state/record.ts";

interface MountEntry {
  id: number;
  mountPoint: string;
}

/** /proc/self/mountinfo's mount ids and mount points (its octal escapes decoded). */
function mountTable(): MountEntry[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const fields = line.split(" ");
      const mountPoint = (fields[4] ?? "").replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
      return { id: Number(fields[0]), mountPoint };
    });
}

function below(root: string, entry: MountEntry): boolean {
  return entry.mountPoint.startsWith(root === "/" ? "/" : `${root}/`) && entry.mountPoint !== root;
}

/** What to take back later: null for a container with a mount namespace (new or joined). */
export function noteHostMounts(spec: Spec): HostMounts | null {
  if (spec.linux.namespaces.some((ns) => ns.type === "mount")) return null;
  const root = realpathSync(spec.root.path);
  return { root, before: mountTable().filter((entry) => below(root, entry)).map((entry) => entry.id) };
}

/** Detach the container's mounts, deepest first; one that will not go is a warning, not a failure. */
export function releaseHostMounts(hostMounts: HostMounts | null): void {
  if (hostMounts === null) return;
  const before = new Set(hostMounts.before);
  const made = mountTable()
    .filter((entry) => below(hostMounts.root, entry) && !before.has(entry.id))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
  for (const { mountPoint } of made) {
    const errno = detachMount(mountPoint);
    // EINVAL: already gone with a mount above it that was detached first.
    if (errno !== 0 && errno !== 22) log.warn(`cannot unmount ${mountPoint}: ${strerror(errno)}`);
  }
}
