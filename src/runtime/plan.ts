// The spec becomes a plan: the exact list of operations the native executor performs in the
// cloned child, in order. Pure data from pure input, so it is unit-tested without root and
// printed by `minic run --dry-run` for anyone who wants to see how a container is made.
import type { CloneFlag, Op } from "../../ffi/executor.ts";
import { DEV_SYMLINKS } from "./defaults.ts";
import { searchPath } from "./env.ts";
import { parseMountOptions } from "./mount-options.ts";
import type { NamespaceType, Spec } from "./spec.ts";

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
  const cloneFlags = [...namespaces].map((type) => NAMESPACE_FLAGS[type]);
  const ops: Op[] = [
    // If minic dies, so does the container (and with PID 1, its whole PID namespace).
    { op: "set-pdeathsig", signal: SIGKILL },
    // The parent records the pid (and later writes uid maps, cgroups) before anything runs.
    { op: "wait-parent" },
    { op: "umask", mask: "0000" },
    // Nothing mounted from here on may propagate back to the host.
    { op: "mount", source: null, target: "/", fstype: null, flags: ["MS_REC", "MS_PRIVATE"], data: null },
    ...enterRoot(spec, layout),
    ...(namespaces.has("network") ? [{ op: "link-up", interface: "lo" } satisfies Op] : []),
    ...specMounts(spec),
    ...devices(spec),
    ...spec.linux.maskedPaths.map((path): Op => ({ op: "mask", path })),
    ...spec.linux.readonlyPaths.flatMap(readonlyPath),
    { op: "sethostname", hostname: spec.hostname },
    { op: "mkdir", path: spec.process.cwd, mode: "0755" },
    ...(spec.root.readonly
      ? [{ op: "mount", source: null, target: "/", fstype: null, flags: ["MS_REMOUNT", "MS_BIND", "MS_RDONLY"], data: null } satisfies Op]
      : []),
    { op: "chdir", path: spec.process.cwd },
    ...(options.keepStdin ? [] : [{ op: "redirect", path: "/dev/null", fd: 0, write: false } satisfies Op]),
    { op: "umask", mask: "0022" },
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
 * Mount the overlay and make it `/` with pivot_root. Every later path is resolved inside the
 * new root, where an absolute symlink or `..` cannot lead back to the host.
 */
function enterRoot(spec: Spec, layout: RootLayout): Op[] {
  const overlay = `lowerdir=${spec.root.path},upperdir=${layout.upperdir},workdir=${layout.workdir}`;
  return [
    { op: "mount", source: "overlay", target: layout.merged, fstype: "overlay", flags: [], data: overlay },
    { op: "chdir", path: layout.merged },
    // pivot_root(".", ".") stacks the old root on the new one; detaching "." then drops it.
    { op: "pivot_root", newRoot: ".", putOld: "." },
    { op: "umount2", target: ".", detach: true },
    { op: "chdir", path: "/" },
  ];
}

function specMounts(spec: Spec): Op[] {
  return spec.mounts.flatMap((mount): Op[] => {
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
