// minic run by an ordinary user: every container is rootless. It gets a user namespace whose root
// is that user and whose other ids are the user's subordinate ranges (/etc/subuid, /etc/subgid),
// written by newuidmap and newgidmap (Debian's uidmap, setuid root) while the child waits; without
// a range, the user alone is mapped (one id inside: files of any other owner show as nobody, and
// the workload cannot change to another user).
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import type { MountRequest } from "../spec/mount-flags.ts";
import { geteuid } from "../../native/libc.ts";
import { rootlessMappings, subordinateRanges } from "../spec/id-maps.ts";
import type { IdMapping, Spec } from "../spec/types.ts";
import { deniesSetgroups } from "../plan/plan.ts";
import { cniNetworkOf, networkContainer, type RunOptions } from "../spec/run-options.ts";
import { MinicError } from "../errors.ts";

export interface RootlessUser {
  uid: number;
  gid: number;
  name: string;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** Whether the user has subordinate ranges (else only their own id is mapped). */
  subordinate: boolean;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

let cached: RootlessUser | null | undefined;

/**
 * The user's name, for /etc/subuid's lines that name them: /etc/passwd's, else the name
 * service's (an LDAP or sssd user), asked through getent as glibc's getpwuid would. Never the
 * environment's $USER, which cron, systemd units and `env -i` leave unset or wrong.
 */
function userName(uid: number): string {
  const local = readText("/etc/passwd").split("\n").map((line) => line.split(":")).find((fields) => fields[2] === String(uid))?.[0];
  if (local !== undefined) return local;
  const service = Bun.spawnSync(["getent", "passwd", String(uid)], { stdout: "pipe", stderr: "ignore" });
  const name = service.exitCode === 0 ? service.stdout.toString().split(":")[0] : undefined;
  return name !== undefined && name !== "" ? name : String(uid);
}

/** The caller as a rootless user; null when minic runs as root. */
export function rootlessUser(): RootlessUser | null {
  if (cached !== undefined) return cached;
  const uid = geteuid();
  if (uid === 0) return (cached = null);
  const gid = process.getegid?.() ?? uid;
  const name = userName(uid);
  const subuid = subordinateRanges(readText("/etc/subuid"), name, uid);
  const subgid = subordinateRanges(readText("/etc/subgid"), name, uid);
  cached = { uid, gid, name, uidMappings: rootlessMappings(uid, subuid), gidMappings: rootlessMappings(gid, subgid), subordinate: subuid.length > 0 && subgid.length > 0 };
  return cached;
}

/** What the plan needs to know of a rootless caller (see ContainerLayout and ExecTarget). */
export function rootlessLayout(spec: Pick<Spec, "linux">): { rootless: boolean; setgroupsDenied: boolean } {
  const user = rootlessUser();
  const { uidMappings, gidMappings } = spec.linux;
  const maps = uidMappings !== undefined && gidMappings !== undefined ? { uidMappings, gidMappings } : null;
  return { rootless: user !== null, setgroupsDenied: maps !== null && deniesSetgroups(maps, user?.gid ?? null) };
}

/**
 * A rootless container's network: CNI's bridge takes root, so `bridge` (the default) is a
 * namespace of its own behind slirp4netns, as in podman and rootless Docker; a user network
 * (CNI too) is refused by name.
 */
export function rootlessNetwork(options: RunOptions): RunOptions {
  if (options.network === "bridge") return { ...options, network: "slirp4netns" };
  if (networkContainer(options.network) !== null) throw new MinicError(`--network ${options.network}: a rootless container's network namespace belongs to its own user namespace, which no other container may join`, undefined, "publish ports, or run both as root");
  const name = cniNetworkOf(options.network);
  if (name !== null) throw new MinicError(`--network ${name}: user networks are minic's CNI bridges, which need root; a rootless container has bridge (through slirp4netns), slirp4netns, none or host`);
  return options;
}

/**
 * What a rootless container can reach is what its user can, and what it can change in its root
 * is what its user namespace maps: both checked before anything is made, each a line naming it.
 */
export function checkRootlessAccess(user: RootlessUser, rootfs: string, mounts: MountRequest[], maps: { uidMappings: IdMapping[]; gidMappings: IdMapping[] }): void {
  try {
    accessSync(rootfs, constants.R_OK | constants.X_OK);
  } catch {
    throw new MinicError(`rootfs ${rootfs} is not readable by ${user.name}, as whom this rootless container runs`);
  }
  const { uid, gid } = statSync(rootfs);
  const mapped = (id: number, mappings: IdMapping[]) => mappings.some((m) => id >= m.hostID && id < m.hostID + m.size);
  // overlayfs copies up only what the namespace maps, owner and group both (else EOVERFLOW).
  const unmapped = !mapped(uid, maps.uidMappings) ? `uid ${uid}` : !mapped(gid, maps.gidMappings) ? `gid ${gid}` : null;
  if (unmapped !== null) {
    throw new MinicError(`rootfs ${rootfs} belongs to ${unmapped}, whom this rootless container cannot map: its root could change nothing in it`, undefined, `give ${user.name} a copy of their own: cp -a, then chown -R ${user.name}:`);
  }
  for (const mount of mounts) {
    if (mount.type !== "bind" || !existsSync(mount.source)) continue;
    try {
      accessSync(mount.source, constants.R_OK | (statSync(mount.source).isDirectory() ? constants.X_OK : 0));
    } catch {
      throw new MinicError(`volume ${mount.source} is not accessible to ${user.name}, as whom this rootless container runs`);
    }
  }
}
