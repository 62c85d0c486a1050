// Which cgroup version this host runs, found at run time from /proc/self/mountinfo: most hosts
// are cgroup v2 only (/sys/fs/cgroup is cgroup2); older and hybrid ones, like this project's
// machines, keep the controllers in v1 hierarchies with an empty cgroup2 beside them.
import { readFileSync } from "node:fs";

export interface V1Hierarchy {
  mountpoint: string;
  /** The controllers bound to this hierarchy: ["memory"], or ["cpu", "cpuacct"] when co-mounted;
   *  a named one without controllers is ["name=systemd"]. */
  controllers: string[];
}

export type CgroupLayout =
  | { version: 2; mountpoint: string; /** What the root offers (cgroup.controllers). */ controllers: string[] }
  | { version: 1; hierarchies: V1Hierarchy[] }
  | { version: 0 };

interface CgroupMount {
  mountpoint: string;
  fstype: "cgroup" | "cgroup2";
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    if (separator < 0) continue;
    const fstype = fields[separator + 1];
    const mountpoint = fields[4];
    if ((fstype !== "cgroup" && fstype !== "cgroup2") || mountpoint === undefined) continue;
    mounts.push({ mountpoint: unescape(mountpoint), fstype, superOptions: (fields[separator + 3] ?? "").split(",") });
  }
  return mounts;
}

/** Super options of a v1 mount that are not controller names. */
const V1_OPTIONS = new Set(["rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods"]);

/**
 * v1 wins when any v1 hierarchy carries a controller (a hybrid host's cgroup2 then has none of
 * them); otherwise the cgroup2 mount, preferring /sys/fs/cgroup; otherwise no cgroups at all.
 * `readText` reads a v2 root's cgroup.controllers.
 */
export function detectCgroupLayout(mountinfo: string, readText: (path: string) => string): CgroupLayout {
  const mounts = cgroupMounts(mountinfo);
  const seen = new Set<string>();
  const hierarchies: V1Hierarchy[] = [];
  for (const mount of mounts) {
    if (mount.fstype !== "cgroup") continue;
    const controllers = mount.superOptions.filter((option) => !V1_OPTIONS.has(option) && !option.startsWith("name=") && !option.startsWith("release_agent="));
    const name = mount.superOptions.find((option) => option.startsWith("name="));
    const identity = controllers.length > 0 ? controllers : name !== undefined ? [name] : [];
    const key = [...identity].sort().join(",");
    if (identity.length === 0 || seen.has(key)) continue; // a second mount of one hierarchy
    seen.add(key);
    hierarchies.push({ mountpoint: mount.mountpoint, controllers: identity });
  }
  // A named hierarchy alone (systemd's on a v2 host in hybrid mode) does not make a v1 host.
  if (hierarchies.some((hierarchy) => !hierarchy.controllers[0]?.startsWith("name="))) return { version: 1, hierarchies };

  const unified = mounts.filter((mount) => mount.fstype === "cgroup2");
  const chosen = unified.find((mount) => mount.mountpoint === "/sys/fs/cgroup") ?? unified[0];
  if (chosen === undefined) return { version: 0 };
  let controllers: string[] = [];
  try {
    controllers = readText(`${chosen.mountpoint}/cgroup.controllers`).trim().split(/\s+/).filter(Boolean);
  } catch {
    // an unreadable root offers nothing: limits will say which controller is missing
  }
  return { version: 2, mountpoint: chosen.mountpoint, controllers };
}

export function hostCgroupLayout(): CgroupLayout {
  return detectCgroupLayout(readFileSync("/proc/self/mountinfo", "utf8"), (path) => readFileSync(path, "utf8"));
}
