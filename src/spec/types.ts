// The container description: an OCI runtime-spec config.json (field names as the spec has them),
// for the fields minic honours. `minic run` flags and a bundle's config.json both become this,
// pass the same validator (validate.ts) and lead to the same plan.
import type { Capability } from "../plan/linux.ts";
import type { Seccomp } from "../seccomp/types.ts";

export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface SpecDevice {
  path: string;
  type: "c" | "b" | "p";
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/**
 * One rule of the device cgroup, in order, the last match deciding (OCI
 * linux.resources.devices): type "a" is every device, an absent major or minor is any.
 */
export interface DeviceRule {
  allow: boolean;
  type?: "a" | "c" | "b";
  major?: number;
  minor?: number;
  /** Some of r (read), w (write), m (mknod). */
  access?: string;
}

/** OCI linux.resources, the parts minic sets. Sizes in bytes; swap is memory and swap together. */
export interface Resources {
  memory?: {
    limit?: number;
    swap?: number;
    /** A soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low). */
    reservation?: number;
    /** v1 only: kernel memory, TCP buffers, swap tendency, and no OOM killer. */
    kernel?: number;
    kernelTCP?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    /** cpuset: the CPUs and memory nodes the container may use ("0-1", "0"). */
    cpus?: string;
    mems?: string;
    /** v1 only: real-time scheduling budget in microseconds. */
    realtimePeriod?: number;
    realtimeRuntime?: number;
  };
  pids?: { limit: number };
  devices?: DeviceRule[];
  /** cgroup v2 interface files and their values, written as they are. */
  unified?: Record<string, string>;
  blockIO?: BlockIO;
  /** Huge page limits by page size ("2MB", "1GB"), in bytes. */
  hugepageLimits?: { pageSize: string; limit: number }[];
  /** v1 net_cls and net_prio. */
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
}

/** A device by its numbers, with a weight or a rate (OCI linux.resources.blockIO). */
export interface BlockIODevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
  rate?: number;
}

export interface BlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: BlockIODevice[];
  throttleReadBpsDevice?: BlockIODevice[];
  throttleWriteBpsDevice?: BlockIODevice[];
  throttleReadIOPSDevice?: BlockIODevice[];
  throttleWriteIOPSDevice?: BlockIODevice[];
}

export type NamespaceType = "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup";

export interface SpecNamespace {
  type: NamespaceType;
  /** Join this existing namespace (/proc/PID/ns/TYPE or a bind-mounted one) instead of making one. */
  path?: string;
}

/** One line of a user namespace's uid_map or gid_map: `size` ids from `containerID` inside are
 *  `hostID`... outside. */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Capabilities {
  bounding: Capability[];
  effective: Capability[];
  permitted: Capability[];
  inheritable: Capability[];
  ambient: Capability[];
}

export interface SpecUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface SpecProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: SpecUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export type RootfsPropagation = "private" | "rprivate" | "slave" | "rslave" | "shared" | "rshared" | "unbindable" | "runbindable";

/** A command the runtime runs at a point of the lifecycle, the container's state on its stdin. */
export interface Hook {
  path: string;
  /** argv, its first element the name the command sees as argv[0]. */
  args?: string[];
  env?: string[];
  /** Seconds; past it the hook is killed and has failed. */
  timeout?: number;
}

/** The hooks minic runs: prestart when `start` is called, poststart after the process started,
 *  poststop after the container was deleted. */
export interface Hooks {
  /** At create, once the namespaces and mounts are made, before pivot_root: in the host's namespaces. */
  createRuntime?: Hook[];
  /** Then, in the container's namespaces (its mount namespace before pivot_root). */
  createContainer?: Hook[];
  /** At start, in the container (its root) before the process runs. */
  startContainer?: Hook[];
  prestart?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export interface Spec {
  ociVersion: string;
  process: SpecProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  /** The NIS domain name in the container's UTS namespace. */
  domainname?: string;
  mounts: SpecMount[];
  linux: {
    namespaces: SpecNamespace[];
    /** With a new user namespace: how its ids map to the host's (both required). */
    uidMappings?: IdMapping[];
    gidMappings?: IdMapping[];
    devices: SpecDevice[];
    maskedPaths: string[];
    readonlyPaths: string[];
    rootfsPropagation: RootfsPropagation;
    resources: Resources;
    /** Relative to each cgroup hierarchy's root: `minic/<id>`. */
    cgroupsPath: string;
    sysctl?: Record<string, string>;
    /** The execution domain: LINUX or LINUX32 (personality(2)). */
    personality?: { domain: "LINUX" | "LINUX32"; flags?: string[] };
    /** The filter every process of the container runs under; absent: none (unconfined). */
    seccomp?: Seccomp;
  };
  annotations: Record<string, string>;
  hooks?: Hooks;
}

export const OCI_VERSION = "1.2.0";
