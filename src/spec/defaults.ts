// Docker's and runc's defaults (moby daemon/pkg/oci/defaults.go), as REFERENCE.md lists them.
import type { Capability } from "../plan/linux.ts";
import type { DeviceRule, SpecDevice, SpecMount } from "./types.ts";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const DEFAULT_CAPABILITIES: Capability[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

export const DEFAULT_MOUNTS: SpecMount[] = [
  { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  {
    destination: "/dev/pts",
    type: "devpts",
    source: "devpts",
    options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
  },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  // The container's own cgroup, read-only: the plan attaches it from the host (see cgroups/).
  { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
];

const charDevice = (path: string, major: number, minor: number): SpecDevice => ({
  path,
  type: "c",
  major,
  minor,
  fileMode: 0o666,
  uid: 0,
  gid: 0,
});

export const DEFAULT_DEVICES: SpecDevice[] = [
  charDevice("/dev/null", 1, 3),
  charDevice("/dev/zero", 1, 5),
  charDevice("/dev/full", 1, 7),
  charDevice("/dev/random", 1, 8),
  charDevice("/dev/urandom", 1, 9),
  charDevice("/dev/tty", 5, 0),
];

/**
 * Docker's device cgroup: nothing, then mknod of any node (making one is harmless, opening it is
 * not), then the default nodes, /dev/console, /dev/ptmx and every /dev/pts/N.
 */
export const DEFAULT_DEVICE_RULES: DeviceRule[] = [
  { allow: false, type: "a", access: "rwm" },
  { allow: true, type: "c", access: "m" },
  { allow: true, type: "b", access: "m" },
  ...[[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2]].map(([major, minor]): DeviceRule => ({ allow: true, type: "c", major, minor, access: "rwm" })),
  { allow: true, type: "c", major: 136, access: "rwm" },
];

/** Symlinks every runtime adds to /dev (runc's defaultSymlinks plus /dev/ptmx). */
export const DEV_SYMLINKS: { path: string; target: string }[] = [
  { path: "/dev/fd", target: "/proc/self/fd" },
  { path: "/dev/stdin", target: "/proc/self/fd/0" },
  { path: "/dev/stdout", target: "/proc/self/fd/1" },
  { path: "/dev/stderr", target: "/proc/self/fd/2" },
  { path: "/dev/ptmx", target: "pts/ptmx" },
  { path: "/dev/core", target: "/proc/kcore" },
];

export const MASKED_PATHS = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/interrupts",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];
