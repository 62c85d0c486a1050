// The spec becomes a plan: the exact list of operations the native executor performs in the
// cloned child, in order. Pure data from pure input, so it is unit-tested without root and
// printed by `minic run --dry-run` for anyone who wants to see how a container is made.
import type { CloneFlag, Op } from "../../native/executor.ts";
import { DEV_SYMLINKS } from "../spec/defaults.ts";
import { searchPath } from "../spec/env.ts";
import { parseMountOptions } from "../spec/mount-options.ts";
import type { SourceKind } from "../container/bind-sources.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import type { NamespaceType, Spec, SpecMount } from "../spec/types.ts";
import { API_FILESYSTEMS } from "../spec/mount-flags.ts";

/** Where this container's copy-on-write root lives on the host. */
export interface RootLayout {
  upperdir: string;
  workdir: string;
  /** The overlay's mount point, inside the container's own mount namespace only. */
  merged: string;
}

export interface Plan {
  cloneFlags: CloneFlag[];
  ops: Op[];
}

export interface PlanOptions {
  /** Keep minic's stdin as the workload's (-i); otherwise the workload reads /dev/null. */
  keepStdin: boolean;
  /** What each bind source is on the host; a source not listed is a directory. */
  bindSourceKinds?: ReadonlyMap<string, SourceKind>;
  /** The container's cgroup, already made on the host; null when the host has no cgroups. */
  cgroup?: ContainerCgroup | null;
}

const NAMESPACE_FLAGS: Record<NamespaceType, CloneFlag> = {
  pid: "CLONE_NEWPID",
  network: "CLONE_NEWNET",
  mount: "CLONE_NEWNS",
  ipc: "CLONE_NEWIPC",
  uts: "CLONE_NEWUTS",
  user: "CLONE_NEWUSER",
  cgroup: "CLONE_NEWCGROUP",
};

const SIGKILL = 9;

export function buildPlan(spec: Spec, layout: RootLayout, options: PlanOptions): Plan {
  const namespaces = new Set(spec.linux.namespaces.map((ns) => ns.type));
  // The cgroup namespace is made last, after the workload joins its cgroup, so that cgroup is
  // the namespace's root: /proc/self/cgroup then reads "/" inside.
  const cloneFlags = [...namespaces].filter((type) => type !== "cgroup").map((type) => NAMESPACE_FLAGS[type]);
  const cgroup = options.cgroup ?? null;
  const ops: Op[] = [
    // If minic dies, so does the container (and with PID 1, its whole PID namespace).
    { op: "set-pdeathsig", signal: SIGKILL },
    // The parent records the pid (and later writes uid maps, cgroups) before anything runs.
    { op: "wait-parent" },
    { op: "umask", mask: "0000" },
    // Nothing mounted from here on may propagate back to the host.
    { op: "mount", source: null, target: "/", fstype: null, flags: ["MS_REC", "MS_PRIVATE"], data: null },
    ...enterRoot(spec, layout, options, cgroup),
    ...(namespaces.has("network") ? [{ op: "link-up", interface: "lo" } satisfies Op] : []),
    ...apiMounts(spec, cgroup),
    ...devices(spec),
    ...spec.linux.maskedPaths.map((path): Op => ({ op: "mask", path })),
    ...spec.linux.readonlyPaths.flatMap(readonlyPath),
    { op: "sethostname", hostname: spec.hostname },
    { op: "mkdir", path: spec.process.cwd, mode: "0755" },
    ...(spec.root.readonly
      ? [{ op: "mount", source: null, target: "/", fstype: null, flags: ["MS_REMOUNT", "MS_BIND", "MS_RDONLY"], data: null } satisfies Op]
      : []),
    { op: "chdir", path: spec.process.cwd },
    ...stdio(spec, options),
    { op: "umask", mask: "0022" },
    // Only now, so that nothing of the setup counts against the limits.
    ...(cgroup?.dirs ?? []).map((_, index): Op => ({ op: "join-cgroup", slot: procsSlot(index) })),
    ...(namespaces.has("cgroup") ? [{ op: "unshare", flags: ["CLONE_NEWCGROUP"] } satisfies Op] : []),
    { op: "capabilities", keep: spec.process.capabilities.bounding },
    { op: "reset-signals" },
    // CVE-2024-21626: no fd of minic's may reach the workload.
    { op: "close-fds", from: 3 },
    {
      op: "execve",
      file: spec.process.args[0] ?? "/bin/sh",
      searchPath: searchPath(spec.process.env),
      argv: spec.process.args,
      env: spec.process.env,
    },
  ];
  return { cloneFlags, ops };
}

/**
 * Mount the overlay, add the user's mounts to it, and make it `/` with pivot_root. Every later
 * path is resolved inside the new root, where an absolute symlink or `..` cannot lead back to
 * the host.
 */
function enterRoot(spec: Spec, layout: RootLayout, options: PlanOptions, cgroup: ContainerCgroup | null): Op[] {
  const overlay = `lowerdir=${spec.root.path},upperdir=${layout.upperdir},workdir=${layout.workdir}`;
  return [
    { op: "mount", source: "overlay", target: layout.merged, fstype: "overlay", flags: [], data: overlay },
    ...userMounts(spec, layout, options),
    ...holdCgroup(cgroup),
    { op: "chdir", path: layout.merged },
    // pivot_root(".", ".") stacks the old root on the new one; detaching "." then drops it.
    { op: "pivot_root", newRoot: ".", putOld: "." },
    { op: "umount2", target: ".", detach: true },
    { op: "chdir", path: "/" },
  ];
}

/** -t: the container's own terminal on 0, 1 and 2; otherwise stdin is /dev/null unless -i. */
function stdio(spec: Spec, options: PlanOptions): Op[] {
  if (spec.process.terminal) return [{ op: "terminal" }];
  return options.keepStdin ? [] : [{ op: "redirect", path: "/dev/null", fd: 0, write: false }];
}

function isApiMount(mount: SpecMount): boolean {
  return API_FILESYSTEMS.some((dir) => mount.destination === dir || mount.destination.startsWith(`${dir}/`));
}

function depth(path: string): number {
  return path.split("/").filter((part) => part !== "").length;
}

/**
 * Volumes and tmpfs mounts, while the host's paths are still reachable: destinations resolved
 * inside the overlay (openat2 RESOLVE_IN_ROOT), parents before children, missing directories
 * created in the writable layer. They come before /proc and /dev so none can hide those.
 */
function userMounts(spec: Spec, layout: RootLayout, options: PlanOptions): Op[] {
  const mounts = spec.mounts.filter((mount) => !isApiMount(mount));
  if (mounts.length === 0) return [];
  const ordered = [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination));
  return [
    { op: "open-root", path: layout.merged },
    ...ordered.flatMap((mount): Op[] => {
      const { flags, data } = parseMountOptions(mount.options);
      if (mount.type === "bind") {
        const isFile = options.bindSourceKinds?.get(mount.source) === "file";
        const readonly = flags.includes("MS_RDONLY");
        return [
          { op: "mkpath-in-root", path: mount.destination, mode: "0755", lastIsFile: isFile },
          {
            op: "mount-in-root",
            source: mount.source,
            target: mount.destination,
            fstype: null,
            // A bind ignores MS_RDONLY; read-only is applied to the whole tree just after.
            flags: flags.filter((flag) => flag !== "MS_RDONLY"),
            data: null,
          },
          ...(readonly ? [{ op: "readonly-in-root", path: mount.destination } satisfies Op] : []),
        ];
      }
      return [
        { op: "mkpath-in-root", path: mount.destination, mode: "0755", lastIsFile: false },
        { op: "mount-in-root", source: mount.source, target: mount.destination, fstype: mount.type, flags, data },
      ];
    }),
  ];
}

/** Slots: each cgroup directory's join file, then each directory's detached mount. */
function procsSlot(index: number): number {
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
 * While the host's cgroup file system is still reachable: open each join file (written just
 * before exec) and take a detached read-only copy of each directory (attached under /sys/fs/cgroup
 * once /sys exists in the new root).
 */
function holdCgroup(cgroup: ContainerCgroup | null): Op[] {
  if (cgroup === null) return [];
  return [
    ...cgroup.dirs.map((dir, index): Op => ({ op: "open-cgroup", path: `${dir.path}/${joinFile(cgroup)}`, slot: procsSlot(index) })),
    ...cgroup.dirs.map((dir, index): Op => ({ op: "clone-tree", path: dir.path, slot: treeSlot(cgroup, index), readonly: true })),
  ];
}

/**
 * The container's /sys/fs/cgroup: on v2 its own cgroup directory; on v1 a tmpfs with one
 * directory per hierarchy (and a link per controller of a co-mounted one, as Docker has them).
 */
function cgroupView(mount: SpecMount, cgroup: ContainerCgroup | null): Op[] {
  if (cgroup === null) return [];
  const target = mount.destination;
  if (cgroup.version === 2) return [{ op: "attach-tree", slot: treeSlot(cgroup, 0), target }];
  const { flags } = parseMountOptions(mount.options.filter((option) => option !== "ro"));
  return [
    { op: "mount", source: "tmpfs", target, fstype: "tmpfs", flags, data: "mode=755" },
    ...cgroup.dirs.flatMap((dir, index): Op[] => [
      { op: "mkdir", path: `${target}/${dir.view}`, mode: "0555" },
      { op: "attach-tree", slot: treeSlot(cgroup, index), target: `${target}/${dir.view}` },
      ...(dir.view.includes(",")
        ? dir.view.split(",").map((name): Op => ({ op: "symlink", target: dir.view, path: `${target}/${name}` }))
        : []),
    ]),
    { op: "mount", source: null, target, fstype: null, flags: ["MS_REMOUNT", "MS_BIND", "MS_RDONLY", ...flags], data: null },
  ];
}

/** /proc, /dev and /sys with what lives in them, inside the new root. */
function apiMounts(spec: Spec, cgroup: ContainerCgroup | null): Op[] {
  return spec.mounts.filter(isApiMount).flatMap((mount): Op[] => {
    if (mount.type === "cgroup") return cgroupView(mount, cgroup);
    const { flags, data } = parseMountOptions(mount.options);
    return [
      { op: "mkdir", path: mount.destination, mode: "0755" },
      { op: "mount", source: mount.source, target: mount.destination, fstype: mount.type, flags, data },
    ];
  });
}

function devices(spec: Spec): Op[] {
  return [
    ...spec.linux.devices.map(
      (device): Op => ({
        op: "mknod",
        path: device.path,
        type: "char",
        mode: device.fileMode.toString(8).padStart(4, "0"),
        major: device.major,
        minor: device.minor,
      }),
    ),
    ...DEV_SYMLINKS.map((link): Op => ({ op: "symlink", target: link.target, path: link.path })),
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
