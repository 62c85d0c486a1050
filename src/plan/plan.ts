// The spec becomes a plan: the exact list of operations the native executor performs in the
// cloned child, in order. A pure function of the spec and the container's layout on the host, so
// it is unit-tested without root and printed by `minic run --dry-run` for anyone who wants to see
// how a container is made. How the child is started (its stdio, whether it waits for `start`)
// is the spawner's business (src/process/spawn.ts), not the plan's.
import { DEV_SYMLINKS } from "../spec/defaults.ts";
import { searchPath } from "../spec/env.ts";
import { parseMountOptions } from "../spec/mount-options.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import type { IdMapping, Spec, SpecDevice, SpecMount, SpecNamespace, SpecProcess } from "../spec/types.ts";
import { O_WRONLY, type CloneFlag, type MountFlag, type RlimitName } from "./linux.ts";
import { NAMESPACE_CLONE_FLAGS, NAMESPACE_FILES } from "./namespaces.ts";
import type { Op } from "./ops.ts";

/** Where this container's copy-on-write root lives on the host. */
export interface OverlayLayout {
  upperdir: string;
  workdir: string;
  /** The overlay's mount point, inside the container's own mount namespace only. */
  merged: string;
}

/** The container on the host: its id, overlay (null: spec.root.path is used as it is) and cgroup. */
export interface ContainerLayout {
  /** Names its processes' session keyring, `_ses.<id>` as runc names it. */
  id: string;
  overlay: OverlayLayout | null;
  /** The container's cgroup, made on the host before the child; null on a host without cgroups. */
  cgroup: ContainerCgroup | null;
  /** runc's --no-pivot: the root is moved onto / and chrooted into, for a root pivot_root
   *  refuses (one on ramfs). */
  noPivot?: boolean;
  /** false: runc's --no-new-keyring, the processes keep their creator's session keyring. */
  sessionKeyring?: boolean;
  /** minic runs as an ordinary user: the overlay is mounted by the container's root in its own
   *  user namespace (with userxattr, Linux 5.11+), not idmapped on the host, which takes root. */
  rootless?: boolean;
  /** Its user namespace denies setgroups (see deniesSetgroups): the groups are left as they are. */
  setgroupsDenied?: boolean;
}

/**
 * Whether a user namespace's maps deny setgroups: an ordinary user (whose gid is `rootlessGid`;
 * null for root) may write a gid_map of their own gid alone, and only after writing "deny" to
 * setgroups (user_namespaces(7)); any other map goes through newgidmap, and setgroups stays.
 */
export function deniesSetgroups(maps: IdMappings, rootlessGid: number | null): boolean {
  const [only, ...more] = maps.gidMappings;
  return rootlessGid !== null && only !== undefined && more.length === 0 && only.size === 1 && only.hostID === rootlessGid;
}

/** A new user namespace's maps. */
export interface IdMappings {
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

/**
 * minic's overlay for a container in a user namespace of its own, made by the spawner on the host
 * before clone and found by the child in ROOT_TREE_SLOT: its lower layer is idmapped, so the
 * rootfs's files appear owned by the container's ids without being copied, and an idmapped mount
 * needs privileges on the host that the child, root only in its own namespace, no longer has.
 */
export interface IdmappedOverlay {
  lowerdir: string;
  upperdir: string;
  workdir: string;
  idMappings: IdMappings;
}

export interface Plan {
  cloneFlags: CloneFlag[];
  /** A PID namespace to be born into (the spawner joins it for the clone only); null: none. */
  pidNamespace: string | null;
  /** A network namespace to be born into, for a child whose new user namespace could no longer
   *  join one the host's owns (the spawner joins it for the clone only); null: none. */
  netNamespace: string | null;
  /** A sysfs of that network namespace, made by the spawner inside it (the child, root only in
   *  its own user namespace, may not mount one there) and attached from SYSFS_TREE_SLOT. */
  sysfsTree: { readonly: boolean } | null;
  /** Written by the spawner to /proc/PID/{uid,gid}_map between clone and wait-parent. */
  idMappings: IdMappings | null;
  idmappedRoot: IdmappedOverlay | null;
  ops: Op[];
}

/** Programs compiled from the spec before the plan is made (the plan itself stays pure). */
export interface CompiledFilters {
  /** The seccomp filter, a struct sock_filter array in base64; null: unconfined. */
  seccomp: string | null;
}

export const NO_FILTERS: CompiledFilters = { seccomp: null };

/** The executor slot the spawner's idmapped root arrives in: the last of native/protocol.h's
 *  SLOTS (the encoder refuses any beyond), clear of the cgroup's, which count from 0. */
export const ROOT_TREE_SLOT = 31;

/** The slot the spawner's sysfs arrives in (see Plan.sysfsTree), clear of the cgroup's too. */
export const SYSFS_TREE_SLOT = 30;

/** The container's init: new namespaces, its root and mounts, then its process. */
export function buildPlan(spec: Spec, layout: ContainerLayout, filters: CompiledFilters = NO_FILTERS): Plan {
  const namespaces = spec.linux.namespaces;
  const made = namespaces.filter((ns) => ns.path === undefined).map((ns) => ns.type);
  const user = namespaces.find((ns) => ns.type === "user");
  const joinedUser = user?.path;
  // The cgroup namespace is made last, after the workload joins its cgroup, so that cgroup is
  // the namespace's root: /proc/self/cgroup then reads "/" inside.
  const cloneFlags = made.filter((type) => type !== "cgroup").map((type) => NAMESPACE_CLONE_FLAGS[type]);
  // The spawner joins these for the clone: the child is born into them. A network namespace the
  // host owns, because once born into a new user namespace the child may no longer join it.
  const bornInto = (ns: SpecNamespace): boolean => ns.type === "pid" || (ns.type === "network" && user !== undefined && joinedUser === undefined);
  // Joined by path: before a joined user namespace, which would take away the host's privileges
  // over namespaces it does not own; a mount namespace last, as once in it the host's paths
  // (/proc/PID/ns/*) may be gone.
  const joined = namespaces.filter((ns) => ns.path !== undefined && ns.type !== "user" && !bornInto(ns));
  const setnsOp = (ns: SpecNamespace): Op => ({ op: "setns", path: ns.path ?? "", type: ns.type });
  // Without a mount namespace (new or joined), every mount is made in the caller's: the
  // container's are made under its root only, and the root is entered with chroot.
  const mountNamespace = namespaces.some((ns) => ns.type === "mount");
  const idMappings = user !== undefined && joinedUser === undefined
    ? { uidMappings: spec.linux.uidMappings ?? [], gidMappings: spec.linux.gidMappings ?? [] }
    : null;
  const idmappedRoot = idMappings !== null && layout.overlay !== null && layout.rootless !== true
    ? { lowerdir: spec.root.path, upperdir: layout.overlay.upperdir, workdir: layout.overlay.workdir, idMappings }
    : null;
  const netNamespace = namespaces.find((ns) => ns.type === "network" && ns.path !== undefined && bornInto(ns))?.path ?? null;
  const sysfs = spec.mounts.find((mount) => mount.type === "sysfs");
  const sysfsTree = netNamespace !== null && sysfs !== undefined ? { readonly: parseMountOptions(sysfs.options).flags.includes("MS_RDONLY") } : null;
  const context: MountContext = { cgroup: layout.cgroup, inUserNamespace: user !== undefined, ownNetwork: made.includes("network"), sysfsTree: sysfsTree !== null };
  const cgroup = layout.cgroup;
  const root = layout.overlay?.merged ?? spec.root.path;
  // The parent writes the container's record (and a user namespace's maps) while the child
  // waits. Maps must be there before anything runs; the record only before the workload joins
  // its cgroup, so without maps the child builds its mounts meanwhile (half a millisecond of
  // every start), and dies with minic, or on its closed sync pipe, if minic never gets there.
  const waitFirst = idMappings !== null;
  const laterPropagation = /shared|unbindable/.test(spec.linux.rootfsPropagation);
  const ops: Op[] = [
    ...(waitFirst ? [{ op: "wait-parent" } satisfies Op] : []),
    ...joined.filter((ns) => ns.type !== "mount").map(setnsOp),
    // What a joined user namespace must own is made after joining it, by unshare (the validator
    // refuses the one kind unshare cannot make for this process, PID).
    ...(joinedUser === undefined ? [] : [
      { op: "setns", path: joinedUser, type: "user" } satisfies Op,
      ...(cloneFlags.length > 0 ? [{ op: "unshare", flags: cloneFlags } satisfies Op] : []),
    ]),
    ...joined.filter((ns) => ns.type === "mount").map(setnsOp),
    { op: "umask", mask: "0000" },
    // Nothing mounted from here on may propagate back to the host. A shared or unbindable root is
    // set only after pivot_root, which refuses a shared parent mount (and a bind, an unbindable one).
    ...(mountNamespace
      ? [{ op: "mount", source: null, target: "/", fstype: null, flags: laterPropagation ? ["MS_REC", "MS_SLAVE"] : propagationFlags(spec.linux.rootfsPropagation), data: null } satisfies Op]
      : []),
    // Still as the host's root (in a user namespace, root there only from the next op on): the
    // cgroup's files and the container's directory are root's on the host.
    ...holdCgroup(cgroup, spec.mounts.find((mount) => mount.type === "cgroup")?.options.includes("ro") ?? true),
    ...(mountNamespace ? rootMount(spec, layout, idmappedRoot !== null) : []),
    { op: "open-root", path: root },
    // Root of the user namespace: what setup creates is owned by the container's root.
    ...(user !== undefined ? [{ op: "user", uid: 0, gid: 0, additionalGids: layout.setgroupsDenied === true ? null : [] } satisfies Op] : []),
    ...spec.mounts.flatMap((mount) => specMount(mount, context)),
    // mknod is refused in a user namespace: the host's nodes are bound instead, as runc does.
    ...(user !== undefined ? spec.linux.devices.flatMap(deviceBind) : []),
    // createRuntime and createContainer hooks run now, before pivot_root, as the runtime spec says.
    ...((spec.hooks?.createRuntime?.length ?? 0) + (spec.hooks?.createContainer?.length ?? 0) > 0 ? [{ op: "wait-hooks" } satisfies Op] : []),
    { op: "enter-root" },
    ...rootEntry(mountNamespace, layout.noPivot ?? false),
    { op: "chdir", path: "/" },
    ...(laterPropagation && mountNamespace ? [{ op: "mount", source: null, target: "/", fstype: null, flags: propagationFlags(spec.linux.rootfsPropagation), data: null } satisfies Op] : []),
    ...(made.includes("network") ? [{ op: "link-up", interface: "lo" } satisfies Op] : []),
    ...(user !== undefined ? [] : spec.linux.devices.flatMap(deviceNode)),
    ...DEV_SYMLINKS.map((link): Op => ({ op: "symlink", target: link.target, path: link.path })),
    ...spec.linux.maskedPaths.map((path): Op => ({ op: "mask", path, fileSource: "/dev/null", dirFstype: "tmpfs", dirFlags: ["MS_RDONLY"] })),
    ...Object.entries(spec.linux.sysctl ?? {}).map(([key, value]): Op => ({ op: "write-file", path: `/proc/sys/${key.replace(/\./g, "/")}`, content: value })),
    ...spec.linux.readonlyPaths.flatMap(readonlyPath),
    ...(made.includes("uts") && spec.hostname !== "" ? [{ op: "sethostname", hostname: spec.hostname } satisfies Op] : []),
    ...(made.includes("uts") && spec.domainname !== undefined && spec.domainname !== "" ? [{ op: "setdomainname", domainname: spec.domainname } satisfies Op] : []),
    ...(spec.linux.personality !== undefined ? [{ op: "personality", persona: spec.linux.personality.domain === "LINUX32" ? 8 : 0 } satisfies Op] : []),
    { op: "mkdir", path: spec.process.cwd, mode: "0755" },
    ...(spec.root.readonly
      ? [{ op: "mount", source: null, target: "/", fstype: null, flags: ["MS_REMOUNT", "MS_BIND", "MS_RDONLY"], data: null } satisfies Op]
      : []),
    { op: "chdir", path: spec.process.cwd },
    ...(waitFirst ? [] : [{ op: "wait-parent" } satisfies Op]),
    ...(spec.process.terminal ? [{ op: "terminal" } satisfies Op] : []),
    // Only now, so that nothing of the setup counts against the limits.
    ...(cgroup?.dirs ?? []).map((_, index): Op => ({ op: "write-slot", slot: joinSlot(index), content: "0" })),
    ...(made.includes("cgroup") ? [{ op: "unshare", flags: ["CLONE_NEWCGROUP"] } satisfies Op] : []),
    ...processOps(spec.process, layout.sessionKeyring === false ? null : layout.id, filters, layout.setgroupsDenied === true),
  ];
  const pid = namespaces.find((ns) => ns.type === "pid" && ns.path !== undefined);
  return { cloneFlags: joinedUser === undefined ? cloneFlags : [], pidNamespace: pid?.path ?? null, netNamespace, sysfsTree, idMappings, idmappedRoot, ops };
}

/**
 * From the root's directory into it. pivot_root(".", ".") stacks the old root on the new one, and
 * detaching "." drops it. --no-pivot moves the root mount onto / instead (the old root stays
 * underneath, out of reach of paths); without a mount namespace, chroot is all there is.
 */
function rootEntry(mountNamespace: boolean, noPivot: boolean): Op[] {
  if (!mountNamespace) return [{ op: "chroot", path: "." }];
  if (noPivot) return [{ op: "mount", source: ".", target: "/", fstype: null, flags: ["MS_MOVE"], data: null }, { op: "chroot", path: "." }];
  return [{ op: "pivot_root", newRoot: ".", putOld: "." }, { op: "umount2", target: ".", detach: true }];
}

/**
 * A host program run as root of a new user namespace with `maps`: a rootless container's root,
 * who may remove the files its subordinate ids own in its layer, which the user may not.
 */
export function buildUserNamespacePlan(maps: IdMappings, argv: [string, ...string[]]): Plan {
  return {
    cloneFlags: ["CLONE_NEWUSER"],
    pidNamespace: null,
    netNamespace: null,
    sysfsTree: null,
    idMappings: maps,
    idmappedRoot: null,
    ops: [
      { op: "wait-parent" },
      { op: "unblock-signals" },
      { op: "execve", file: argv[0], searchPath: "/usr/bin:/bin", argv, env: ["PATH=/usr/bin:/bin"] },
    ],
  };
}

/** Whether a plan's child joins a user namespace: setns refuses a process that shares memory. */
export function joinsUserNamespace(plan: Plan): boolean {
  return plan.ops.some((op) => op.op === "setns" && op.type === "user");
}

/** What `exec` joins: the running container's init and its cgroup. */
export interface ExecTarget {
  id: string;
  /** The container's init as the host sees it. */
  pid: number;
  cgroup: ContainerCgroup | null;
  /** false: the container was made with --no-new-keyring. */
  sessionKeyring?: boolean;
  /** Its user namespace denies setgroups. */
  setgroupsDenied?: boolean;
  /** minic runs as an ordinary user, who may join the PID namespace only from inside the
   *  container's user namespace: the process is then a copy made after joining (fork-beside). */
  rootless?: boolean;
}

/**
 * A process joining a running container: every namespace of its init (the PID namespace by the
 * spawner, so the process is born inside it), its cgroup, and `process`'s user and privileges.
 */
export function buildExecPlan(spec: Spec, process: SpecProcess, target: ExecTarget, filters: CompiledFilters = NO_FILTERS): Plan {
  const cgroup = target.cgroup;
  const namespaces = spec.linux.namespaces.filter((ns) => ns.type !== "pid");
  const joined = namespaces.map((ns) => ns.type);
  // What the container joined by path first, while the host's privileges over it last (a
  // network namespace of minic's is the host's, not the container's user namespace's). Then the
  // user namespace: it owns the rest, and joining them takes privileges in it. The mount
  // namespace last: once in it, the host's paths (/proc/PID/ns/*) are out of reach.
  const byPath = namespaces.filter((ns) => ns.path !== undefined && ns.type !== "user" && ns.type !== "mount").map((ns) => ns.type);
  const rootless = target.rootless === true && spec.linux.namespaces.some((ns) => ns.type === "pid");
  const ordered = [
    ...byPath,
    ...joined.filter((type) => type === "user"),
    // Rootless: the PID namespace too, now that the user namespace owning it is joined.
    ...(rootless ? ["pid" as const] : []),
    ...joined.filter((type) => type !== "mount" && type !== "user" && !byPath.includes(type)),
    ...joined.filter((type) => type === "mount"),
  ];
  const ops: Op[] = [
    { op: "wait-parent" },
    ...(cgroup === null ? [] : cgroup.dirs.map((dir, index): Op => ({ op: "open-file", path: `${dir.path}/${joinFile(cgroup)}`, flags: O_WRONLY, slot: joinSlot(index) }))),
    ...ordered.map((type): Op => ({ op: "setns", path: `/proc/${target.pid}/ns/${NAMESPACE_FILES[type]}`, type })),
    ...(rootless ? [{ op: "fork-beside" } satisfies Op] : []),
    // A container without a mount namespace is its init's root in the caller's.
    ...(joined.includes("mount") ? [] : [{ op: "chroot", path: `/proc/${target.pid}/root` } satisfies Op]),
    { op: "chdir", path: process.cwd },
    ...(process.terminal ? [{ op: "terminal" } satisfies Op] : []),
    ...(cgroup?.dirs ?? []).map((_, index): Op => ({ op: "write-slot", slot: joinSlot(index), content: "0" })),
    ...processOps(process, target.sessionKeyring === false ? null : target.id, filters, target.setgroupsDenied === true),
  ];
  return { cloneFlags: [], pidNamespace: rootless ? null : `/proc/${target.pid}/ns/pid`, netNamespace: null, sysfsTree: null, idMappings: null, idmappedRoot: null, ops };
}

/**
 * The process's own settings, last: a session keyring of the container's own (the caller's
 * would reach its keys; `keyringOf` null keeps it, as --no-new-keyring asks), limits, user and
 * privileges, then the exec itself.
 */
function processOps(process: SpecProcess, keyringOf: string | null, filters: CompiledFilters, setgroupsDenied: boolean): Op[] {
  const { user, capabilities } = process;
  const file = process.args[0] ?? "/bin/sh";
  const path = searchPath(process.env);
  // Installing a filter takes CAP_SYS_ADMIN or no_new_privs: with no_new_privs, as late as
  // possible; without, while the capabilities are still whole, before the user changes. Every
  // call made after it (setresuid, capset, poll, close_range, execve) is one the profile allows.
  const seccomp: Op[] = filters.seccomp === null ? [] : [{ op: "seccomp", program: filters.seccomp }];
  const early = process.noNewPrivileges ? [] : seccomp;
  const late = process.noNewPrivileges ? seccomp : [];
  return [
    ...(keyringOf === null ? [] : [{ op: "session-keyring", name: `_ses.${keyringOf}` } satisfies Op]),
    { op: "umask", mask: (user.umask ?? 0o022).toString(8).padStart(4, "0") },
    ...(process.oomScoreAdj !== undefined ? [{ op: "write-file", path: "/proc/self/oom_score_adj", content: String(process.oomScoreAdj) } satisfies Op] : []),
    // Its own /proc files written: from here on, before anything of the workload's, none may reach them.
    { op: "no-dump" },
    ...(process.rlimits ?? []).map((limit): Op => ({ op: "rlimit", resource: limit.type as RlimitName, soft: limit.soft, hard: limit.hard })),
    // The bounding set needs CAP_SETPCAP, so it is cut while still root; the user op keeps the
    // permitted set across setresuid for the capabilities op to set exactly.
    { op: "bounding", keep: capabilities.bounding },
    ...early,
    { op: "user", uid: user.uid, gid: user.gid, additionalGids: setgroupsDenied ? null : (user.additionalGids ?? []) },
    { op: "capabilities", effective: capabilities.effective, permitted: capabilities.permitted, inheritable: capabilities.inheritable, ambient: capabilities.ambient },
    ...(process.noNewPrivileges ? [{ op: "no-new-privs" } satisfies Op] : []),
    // As the user who will run it: a missing command fails here, before `start`.
    { op: "check-command", file, searchPath: path },
    { op: "wait-start" },
    // CVE-2024-21626: no fd of minic's may reach the workload.
    { op: "close-fds", from: 3 },
    { op: "unblock-signals" },
    ...late,
    { op: "execve", file, searchPath: path, argv: process.args, env: process.env },
  ];
}

function propagationFlags(propagation: Spec["linux"]["rootfsPropagation"]): MountFlag[] {
  const kind: Record<string, MountFlag> = { private: "MS_PRIVATE", slave: "MS_SLAVE", shared: "MS_SHARED", unbindable: "MS_UNBINDABLE" };
  const recursive = propagation.startsWith("r");
  const flag = kind[recursive ? propagation.slice(1) : propagation] ?? "MS_PRIVATE";
  return recursive ? ["MS_REC", flag] : [flag];
}

/**
 * minic's overlay over the rootfs (mounted here, or made idmapped by the spawner and attached
 * here), or the root itself bound onto itself (pivot_root needs a mount).
 */
function rootMount(spec: Spec, layout: ContainerLayout, idmapped: boolean): Op[] {
  if (layout.overlay !== null && idmapped) return [{ op: "attach-tree-at", slot: ROOT_TREE_SLOT, target: layout.overlay.merged }];
  if (layout.overlay === null) {
    return [{ op: "mount", source: spec.root.path, target: spec.root.path, fstype: null, flags: ["MS_BIND", "MS_REC"], data: null }];
  }
  const { upperdir, workdir, merged } = layout.overlay;
  // In a user namespace overlayfs keeps its own attributes as user.* xattrs (trusted.* are root's).
  const userxattr = layout.rootless === true ? ",userxattr" : "";
  return [{ op: "mount", source: "overlay", target: merged, fstype: "overlay", flags: [], data: `lowerdir=${spec.root.path},upperdir=${upperdir},workdir=${workdir}${userxattr}` }];
}

/**
 * One spec mount, in spec order, its destination resolved inside the new root (openat2
 * RESOLVE_IN_ROOT) while the host's paths are still reachable: missing directories (or, for a
 * file bind, an empty file) are made in the root, and the mount goes on the resolved inode.
 */
interface MountContext {
  cgroup: ContainerCgroup | null;
  inUserNamespace: boolean;
  /** Whether the container has a network namespace of its own. */
  ownNetwork: boolean;
  /** Its sysfs is the spawner's, made in the network namespace it is born into. */
  sysfsTree: boolean;
}

function specMount(spec: SpecMount, context: MountContext): Op[] {
  if (spec.type === "cgroup") return cgroupView(spec, context.cgroup);
  if (spec.type === "sysfs" && context.sysfsTree) {
    return [
      { op: "mkpath-in-root", path: spec.destination, dirMode: "0755", fileMode: "0644", kindOf: null },
      { op: "attach-tree", slot: SYSFS_TREE_SLOT, target: spec.destination },
    ];
  }
  // sysfs can be mounted only by the owner of the network namespace: without one of its own, a
  // user-namespaced container gets the host's /sys bound instead, as runc does.
  const mount = spec.type === "sysfs" && context.inUserNamespace && !context.ownNetwork
    ? { ...spec, type: "none", source: "/sys", options: ["rbind", ...(spec.options ?? [])] }
    : spec;
  const { flags, data, propagation } = parseMountOptions(mount.options);
  const bind = flags.includes("MS_BIND");
  const create: Op = { op: "mkpath-in-root", path: mount.destination, dirMode: "0755", fileMode: "0644", kindOf: bind ? mount.source : null };
  const propagate: Op[] = propagation.length > 0 ? [{ op: "mount-in-root", source: null, target: mount.destination, fstype: null, flags: propagation, data: null }] : [];
  if (!bind) return [create, { op: "mount-in-root", source: mount.source, target: mount.destination, fstype: mount.type, flags, data }, ...propagate];
  // A bind ignores MS_RDONLY and the like on its first call: they are applied by a remount (and,
  // for a recursive read-only bind, to the whole tree at once).
  const attributes = flags.filter((flag) => flag !== "MS_BIND" && flag !== "MS_REC");
  const recursiveReadonly = flags.includes("MS_REC") && attributes.includes("MS_RDONLY");
  return [
    create,
    { op: "mount-in-root", source: mount.source, target: mount.destination, fstype: null, flags: flags.filter((flag) => flag === "MS_BIND" || flag === "MS_REC"), data: null },
    ...(attributes.length > 0
      ? [{ op: "mount-in-root", source: null, target: mount.destination, fstype: null, flags: ["MS_BIND", "MS_REMOUNT", ...attributes], data: null } satisfies Op]
      : []),
    ...(recursiveReadonly ? [{ op: "readonly-in-root", path: mount.destination } satisfies Op] : []),
    ...propagate,
  ];
}

/** Slots: each cgroup directory's join file, then each directory's detached mount. */
function joinSlot(index: number): number {
  return index;
}

function treeSlot(cgroup: ContainerCgroup, index: number): number {
  return cgroup.dirs.length + index;
}

/**
 * The file the workload writes "0" to. On v1, `tasks`: moving the calling thread alone (our child
 * has one) skips the global lock a cgroup.procs write takes, whose RCU grace period cost 10-30 ms
 * per container here. v2 allows only cgroup.procs between domain cgroups.
 */
function joinFile(cgroup: ContainerCgroup): string {
  return cgroup.version === 1 ? "tasks" : "cgroup.procs";
}

/**
 * While the host's cgroup file system is reachable: open each join file (written just before
 * exec) and take a detached read-only copy of each directory (attached under /sys/fs/cgroup).
 */
function holdCgroup(cgroup: ContainerCgroup | null, readonly: boolean): Op[] {
  if (cgroup === null) return [];
  return [
    ...cgroup.dirs.map((dir, index): Op => ({ op: "open-file", path: `${dir.path}/${joinFile(cgroup)}`, flags: O_WRONLY, slot: joinSlot(index) })),
    ...cgroup.dirs.map((dir, index): Op => ({ op: "clone-tree", path: dir.path, slot: treeSlot(cgroup, index), readonly })),
  ];
}

/**
 * The container's /sys/fs/cgroup: on v2 its own cgroup directory; on v1 a tmpfs with one
 * directory per hierarchy (and a link per controller of a co-mounted one, as Docker has them).
 */
function cgroupView(mount: SpecMount, cgroup: ContainerCgroup | null): Op[] {
  if (cgroup === null) return [];
  const target = mount.destination;
  const create: Op = { op: "mkpath-in-root", path: target, dirMode: "0755", fileMode: "0644", kindOf: null };
  if (cgroup.version === 2) return [create, { op: "attach-tree", slot: treeSlot(cgroup, 0), target }];
  const { flags } = parseMountOptions(mount.options.filter((option) => option !== "ro"));
  return [
    create,
    { op: "mount-in-root", source: "tmpfs", target, fstype: "tmpfs", flags, data: "mode=755" },
    ...cgroup.dirs.flatMap((dir, index): Op[] => [
      { op: "mkpath-in-root", path: `${target}/${dir.view}`, dirMode: "0555", fileMode: "0644", kindOf: null },
      { op: "attach-tree", slot: treeSlot(cgroup, index), target: `${target}/${dir.view}` },
      ...(dir.view.includes(",")
        ? dir.view.split(",").map((name): Op => ({ op: "symlink-in-root", target: dir.view, dir: target, name }))
        : []),
    ]),
    { op: "mount-in-root", source: null, target, fstype: null, flags: ["MS_REMOUNT", "MS_BIND", ...(mount.options.includes("ro") ? ["MS_RDONLY" as const] : []), ...flags], data: null },
  ];
}

/** A device node (and its directory, /dev/net for /dev/net/tun), made inside the new root
 *  (after pivot_root: no way out of it). */
function deviceNode(device: SpecDevice): Op[] {
  const parent = device.path.slice(0, device.path.lastIndexOf("/"));
  const node: Op = {
    op: "mknod",
    path: device.path,
    type: device.type,
    mode: device.fileMode.toString(8).padStart(4, "0"),
    major: device.major,
    minor: device.minor,
    uid: device.uid,
    gid: device.gid,
  };
  return parent === "/dev" ? [node] : [{ op: "mkdir", path: parent, mode: "0755" }, node];
}

/** The host's node at the device's path, bound on an empty file inside the root. */
function deviceBind(device: SpecDevice): Op[] {
  return [
    { op: "mkpath-in-root", path: device.path, dirMode: "0755", fileMode: "0644", kindOf: device.path },
    { op: "mount-in-root", source: device.path, target: device.path, fstype: null, flags: ["MS_BIND"], data: null },
  ];
}

function readonlyPath(path: string): Op[] {
  return [
    { op: "mount", source: path, target: path, fstype: null, flags: ["MS_BIND", "MS_REC"], data: null, optional: true },
    {
      op: "mount",
      source: null,
      target: path,
      fstype: null,
      flags: ["MS_BIND", "MS_REMOUNT", "MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC"],
      data: null,
      optional: true,
    },
  ];
}
