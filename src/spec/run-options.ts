import type { LimitFlags } from "./limits.ts";
import type { MountRequest } from "./mount-flags.ts";
import type { Capability } from "../plan/linux.ts";
import type { DeviceRequest } from "./device-flags.ts";
import type { DeviceRule, IdMapping, Rlimit } from "./types.ts";
import type { SecurityOptions } from "./security-opts.ts";
import type { RestartPolicy } from "./restart-policy.ts";
import type { DnsOptions } from "./etc-files.ts";
import type { PortMapping } from "./ports.ts";

/** What a user asked `minic run` for, after parsing and before any check against the system. */
export interface RunOptions {
  rootfs: string;
  /** The command and its arguments as given; empty: the image's CMD, or /bin/sh. */
  command: string[];
  /** --entrypoint: replaces the image's ENTRYPOINT ("" clears it); null: the image's. */
  entrypoint: string | null;
  /** Set once the image's configuration is applied: how many leading words of `command` are the
   *  ENTRYPOINT (inspect shows Entrypoint and Cmd apart). */
  entrypointLength?: number;
  /** --env-file paths: their entries go after the image's ENV and before -e. */
  envFiles: string[];
  name: string | null;
  hostname: string | null;
  /** Raw -e values: `K=V` sets, `K` copies K from minic's own environment. */
  env: string[];
  workdir: string | null;
  /** -u USER[:GROUP], names resolved in the container's /etc/passwd and /etc/group. */
  user: string | null;
  remove: boolean;
  /** -l/--label K=V and --label-file entries, in order (the image's labels come under them). */
  labels: string[];
  labelFiles: string[];
  /** -p: ports published from the host (host ports 0 are chosen at start); -P: every port the image exposes. */
  publish: PortMapping[];
  publishAll: boolean;
  /** --dns, --dns-search, --dns-option: the container's resolv.conf. */
  dns: DnsOptions;
  /** --add-host NAME:IP entries for its /etc/hosts. */
  addHosts: { name: string; address: string }[];
  /** --network-alias: more names peers on a user network find it by. */
  networkAliases: string[];
  /** --restart: whether the container is started again when it exits. */
  restart: RestartPolicy;
  /** --init: a small init (tini) as PID 1 that reaps zombies and forwards signals. */
  init: boolean;
  /** -d: the container runs on under conmon, and minic returns once it has started. */
  detach: boolean;
  /** --stop-signal (else the image's STOPSIGNAL, else SIGTERM) and --stop-timeout (seconds, else 10): for `minic stop`. */
  stopSignal: string | null;
  stopTimeout: number | null;
  readOnly: boolean;
  /** host (the host's), bridge (its own on minic0, NAT), none (loopback only), or container:NAME (that running container's). */
  network: NetworkMode;
  /** --cgroup-parent: where the container's cgroup goes in each hierarchy (default "minic"). */
  cgroupParent: string | null;
  /** --uidmap and --gidmap: with either, the container gets a user namespace of its own. */
  uidMap: IdMapping[];
  gidMap: IdMapping[];
  /** --userns: host (root's default, no user namespace; a rootless container's own ids), or auto
   *  (root's: 65536 ids of minic's pool that no other container has). */
  userns: "host" | "auto";
  /** --security-opt: the seccomp profile and no-new-privileges. */
  security: SecurityOptions;
  capAdd: (Capability | "ALL")[];
  capDrop: (Capability | "ALL")[];
  /** --privileged: every capability and host device, no seccomp, no masked paths, /sys writable. */
  privileged: boolean;
  /** --device, in order: the host node and where it goes. */
  devices: DeviceRequest[];
  /** --device-cgroup-rule, added after the defaults. */
  deviceCgroupRules: DeviceRule[];
  /** --ulimit, as OCI process.rlimits. */
  ulimits: Rlimit[];
  /** --sysctl, namespaced keys only (checked when parsed). */
  sysctls: Record<string, string>;
  oomScoreAdj: number | null;
  /** -v, --tmpfs and --mount, in the order given. */
  mounts: MountRequest[];
  interactive: boolean;
  /** -t: a terminal for the container, from its own devpts. */
  tty: boolean;
  /** --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit as typed. */
  limits: LimitFlags;
  dryRun: boolean;
}

export type NetworkMode = "host" | "bridge" | "none" | "slirp4netns" | `container:${string}` | `network:${string}`;

/** The CNI network a mode puts the container on: `minic` for bridge, a user network's name, or null. */
export function cniNetworkOf(mode: NetworkMode): string | null {
  if (mode === "bridge") return "minic";
  return mode.startsWith("network:") ? mode.slice("network:".length) : null;
}

/** The container a `--network container:NAME` joins, or null. */
export function networkContainer(mode: NetworkMode): string | null {
  return mode.startsWith("container:") ? mode.slice("container:".length) : null;
}

export const DEFAULT_COMMAND = ["/bin/sh"];
export const DEFAULT_ROOTFS = "./rootfs";
