import {
  DEFAULT_DEVICES,
  DEFAULT_DEVICE_RULES,
  DEFAULT_MOUNTS,
  MASKED_PATHS,
  READONLY_PATHS,
} from "./defaults.ts";
import { ETC_FILES } from "./etc-files.ts";
import { LABELS_ANNOTATION, labelsFrom } from "./labels.ts";
import { restartPolicyText } from "./restart-policy.ts";
import { hostIdOf, idMapsFromFlags } from "./id-maps.ts";
import type { SeccompHost } from "../seccomp/profile.ts";
import type { Seccomp } from "../seccomp/types.ts";
import { containerEnv } from "./env.ts";
import { MinicError } from "../errors.ts";
import { resourcesFromFlags } from "./limits.ts";
import { cniNetworkOf, networkContainer, type RunOptions } from "./run-options.ts";
import { OCI_VERSION, type DeviceRule, type IdMapping, type NamespaceType, type Spec, type SpecDevice, type SpecMount } from "./types.ts";
import { capabilitySet } from "./capabilities.ts";
import type { Capability } from "../plan/linux.ts";
import type { MountRequest } from "./mount-flags.ts";
import type { ResolvedUser } from "./user.ts";

/** Facts about this container that the runtime settles before the spec is built. */
export interface SpecContext {
  id: string;
  name: string;
  /** Absolute path of the base rootfs. */
  rootfs: string;
  /** The workload's user (-u), resolved in the rootfs's /etc/passwd and /etc/group. */
  user: ResolvedUser;
  callerEnv: Record<string, string | undefined>;
  /** CPUs this host gives minic: --cpus may not ask for more. */
  hostCpus: number;
  /** The seccomp profile (minic's default or --security-opt's file) resolved for what the
   *  container is (profile.ts's seccompFromProfile, or a cache of it); null: unconfined. */
  seccomp: ((host: SeccompHost) => Seccomp) | null;
  /** process.arch and os.release(): which of a profile's rules apply here. */
  arch: string;
  kernel: string;
  /** The host's nodes behind --device (or every host device with --privileged), with the
   *  access each is allowed. */
  devices: { device: SpecDevice; access: string }[];
  /** The capabilities minic may give (its own bounding set). */
  hostCapabilities: Capability[];
  /** --init: the host's static init (tini), bound read-only at INIT_PATH and run as PID 1. */
  initBinary?: string | null;
  /** --network container:NAME: that container's network namespace (/proc/PID/ns/net); with
   *  --network bridge, the file minic makes for the container's own before it starts. */
  networkNamespace?: string | null;
  /** The container's directory, where its resolv.conf, hosts and hostname are written to be
   *  bound over /etc's; null: the image's own are left as they are. */
  etcFilesDir?: string | null;
  /** minic run by an ordinary user: the container's user namespace maps (its root is that user,
   *  who owns the state directory); null as root. */
  rootless?: { uidMappings: IdMapping[]; gidMappings: IdMapping[] } | null;
}

/** -u as given (a name or ids), and the number of ENTRYPOINT words at the start of process.args. */
export const USER_ANNOTATION = "org.minic.user";
export const ENTRYPOINT_ANNOTATION = "org.minic.entrypoint-words";

/** `bridge` for a container whose network minic sets up with CNI (and takes back when it stops),
 *  or container:NAME; the CNI network's name; more names for peers (--network-alias). */
export const NETWORK_ANNOTATION = "org.minic.network";
export const NETWORK_NAME_ANNOTATION = "org.minic.network-name";
export const ALIASES_ANNOTATION = "org.minic.network-aliases";

/** What `minic stop` sends first (the image's STOPSIGNAL, or --stop-signal), and its grace in seconds. */
export const STOP_SIGNAL_ANNOTATION = "org.minic.stop-signal";
export const STOP_TIMEOUT_ANNOTATION = "org.minic.stop-timeout";
/** -i: its stdin stays open under conmon, when it is started again too. */
export const STDIN_ANNOTATION = "org.minic.stdin";

/** Its published ports (PortMapping[] as JSON), host ports settled. */
export const PORTS_ANNOTATION = "org.minic.ports";

/** The container's --restart policy, kept in its spec for whoever sees it exit. */
export const RESTART_ANNOTATION = "org.minic.restart";

/** Where --init's binary appears inside the container (Docker's is /sbin/docker-init). */
export const INIT_PATH = "/sbin/minic-init";

const HOST_NAME_MAX = 64;
export const DEFAULT_CGROUP_PARENT = "minic";

/** Docker's --cgroup-parent, relative to each hierarchy's root whether written with a / or not. */
export function cgroupParent(flag: string | null): string {
  if (flag === null) return DEFAULT_CGROUP_PARENT;
  const parent = flag.replace(/^\/+|\/+$/g, "");
  if (parent === "" || parent.split("/").some((part) => part === "" || part === "." || part === "..") || parent.includes("\0")) {
    throw new MinicError(`invalid --cgroup-parent "${flag}": expected a path of cgroup names such as minic or services/web`);
  }
  return parent;
}

function depth(path: string): number {
  return path.split("/").filter((part) => part !== "").length;
}

function specMount(request: MountRequest): SpecMount {
  if (request.type === "bind") {
    return {
      destination: request.destination,
      type: "bind",
      source: request.source,
      options: ["rbind", request.readonly ? "ro" : "rw"],
    };
  }
  return { destination: request.destination, type: "tmpfs", source: "tmpfs", options: [...request.options] };
}

/** The default nodes, then --device's (one at a path it names replaces a default). */
/**
 * resolv.conf, hosts and hostname from the container's directory, unless a volume names one. Not
 * for a container in a user namespace of its own: its mounts are made by its own root, which
 * cannot reach minic's state directory (it keeps the image's files).
 */
function etcFileMounts(options: RunOptions, context: SpecContext): SpecMount[] {
  const dir = context.etcFilesDir;
  // A rootless container's root is the user whose state directory it is: it reaches the files.
  const mapped = options.uidMap.length > 0 || options.gidMap.length > 0;
  if (dir === null || dir === undefined || (mapped && !context.rootless)) return [];
  const taken = new Set(options.mounts.map((mount) => mount.destination));
  return ETC_FILES.filter((name) => !taken.has(`/etc/${name}`)).map((name) => ({ destination: `/etc/${name}`, type: "bind", source: `${dir}/${name}`, options: ["rbind", "rprivate"] }));
}

function specDevices(context: SpecContext): SpecDevice[] {
  const added = context.devices.map(({ device }) => ({ ...device }));
  const paths = new Set(added.map((device) => device.path));
  return [...DEFAULT_DEVICES.filter((device) => !paths.has(device.path)).map((device) => ({ ...device })), ...added];
}

/** Docker's rules, then each --device's node with its access, then --device-cgroup-rule's. */
function deviceRules(options: RunOptions, context: SpecContext): DeviceRule[] {
  if (options.privileged) return [{ allow: true, type: "a", access: "rwm" }];
  return [
    ...DEFAULT_DEVICE_RULES.map((rule) => ({ ...rule })),
    ...context.devices.map(({ device, access }): DeviceRule => ({ allow: true, type: device.type === "b" ? "b" : "c", major: device.major, minor: device.minor, access })),
    ...options.deviceCgroupRules.map((rule) => ({ ...rule })),
  ];
}

/** `minic run` flags to an OCI-shaped spec. Pure: no file system, no clock. */
export function buildSpec(options: RunOptions, context: SpecContext): Spec {
  const hostname = options.hostname ?? context.name.slice(0, HOST_NAME_MAX);
  if (hostname.length === 0 || hostname.length > HOST_NAME_MAX || /[\s\0/]/.test(hostname)) {
    throw new MinicError(`invalid hostname "${hostname}": 1 to ${HOST_NAME_MAX} characters, no spaces or slashes`);
  }
  const cwd = options.workdir ?? "/";
  if (!cwd.startsWith("/")) {
    throw new MinicError(`the working directory "${cwd}" is invalid: it needs to be an absolute path`);
  }
  if (options.command.length === 0 || options.command[0] === "") {
    throw new MinicError("no command given");
  }
  for (const arg of [...options.command, cwd]) {
    if (arg.includes("\0")) throw new MinicError("arguments cannot contain NUL bytes");
  }

  const capabilities = capabilitySet(options.capAdd, options.capDrop, options.privileged, context.hostCapabilities);
  const resources = { ...resourcesFromFlags(options.limits, context.hostCpus), devices: deviceRules(options, context) };
  const namespaces: { type: NamespaceType; path?: string }[] = [
    { type: "pid" },
    { type: "ipc" },
    { type: "uts" },
    { type: "mount" },
    { type: "cgroup" },
  ];
  // none and slirp4netns: a namespace of its own, made with it (slirp4netns then joins it).
  if (options.network === "none" || options.network === "slirp4netns") namespaces.push({ type: "network" });
  // container:NAME: that container's network namespace, joined by path; bridge: the container's
  // own, made as a file before it starts (CNI sets it up there), joined the same way.
  if (networkContainer(options.network) !== null || cniNetworkOf(options.network) !== null) {
    if (!context.networkNamespace) throw new MinicError(`--network ${options.network}: the container's network namespace was not found`);
    namespaces.push({ type: "network", path: context.networkNamespace });
  }
  const idMaps = idMapsFromFlags(options.uidMap, options.gidMap) ?? context.rootless ?? null;
  if (idMaps !== null) namespaces.push({ type: "user" });

  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: options.tty,
      // Docker lists the primary group first among the supplementary ones, so `id` shows it there.
      user: {
        uid: context.user.uid,
        gid: context.user.gid,
        umask: 0o022,
        additionalGids: [context.user.gid, ...context.user.additionalGids],
      },
      // --init: tini reaps orphans and passes signals on, which a program as PID 1 may not do.
      args: context.initBinary ? [INIT_PATH, "--", ...options.command] : [...options.command],
      env: containerEnv(options.env, { hostname, home: context.user.home, terminal: options.tty }, context.callerEnv),
      cwd,
      capabilities: {
        bounding: [...capabilities],
        effective: [...capabilities],
        permitted: [...capabilities],
        inheritable: [],
        ambient: [],
      },
      ...(options.security.noNewPrivileges ? { noNewPrivileges: true } : {}),
      ...(options.ulimits.length > 0 ? { rlimits: options.ulimits.map((limit) => ({ ...limit })) } : {}),
      ...(options.oomScoreAdj !== null ? { oomScoreAdj: options.oomScoreAdj } : {}),
    },
    root: { path: context.rootfs, readonly: options.readOnly },
    hostname,
    mounts: [
      // Privileged: /sys and the container's cgroup writable, as Docker has them.
      ...DEFAULT_MOUNTS.map((mount) => ({
        ...mount,
        options: (options.privileged && (mount.type === "sysfs" || mount.type === "cgroup") ? mount.options.filter((o) => o !== "ro") : [...mount.options])
          // devpts's gid=5 (tty) must be a group of the container's: not so for a user without subordinate ids.
          .filter((o) => !(o === "gid=5" && idMaps !== null && hostIdOf(idMaps.gidMappings, 5) === null)),
      })),
      // As Docker's daemon does: parents before children, whatever order the flags came in, so
      // the plan (which follows spec order) never hides a volume under another.
      ...etcFileMounts(options, context),
      ...[...options.mounts].sort((a, b) => depth(a.destination) - depth(b.destination)).map(specMount),
      ...(context.initBinary ? [{ destination: INIT_PATH, type: "bind", source: context.initBinary, options: ["bind", "ro", "nosuid", "nodev"] }] : []),
    ],
    linux: {
      namespaces,
      ...idMaps,
      devices: specDevices(context),
      maskedPaths: options.privileged ? [] : [...MASKED_PATHS],
      readonlyPaths: options.privileged ? [] : [...READONLY_PATHS],
      rootfsPropagation: "rprivate",
      resources,
      cgroupsPath: `${cgroupParent(options.cgroupParent)}/${context.id}`,
      ...(Object.keys(options.sysctls).length > 0 ? { sysctl: { ...options.sysctls } } : {}),
      ...(context.seccomp === null || options.privileged
        ? {}
        : { seccomp: context.seccomp({ capabilities, arch: context.arch, kernel: context.kernel }) }),
    },
    annotations: {
      "org.minic.id": context.id,
      "org.minic.name": context.name,
      ...(options.restart.name !== "no" ? { [RESTART_ANNOTATION]: restartPolicyText(options.restart) } : {}),
      // bridge, or container:NAME (resolved again whenever the container is made again).
      ...(cniNetworkOf(options.network) !== null ? { [NETWORK_ANNOTATION]: "bridge", [NETWORK_NAME_ANNOTATION]: cniNetworkOf(options.network) ?? "" } : {}),
      ...(networkContainer(options.network) !== null || options.network === "slirp4netns" ? { [NETWORK_ANNOTATION]: options.network } : {}),
      ...(options.networkAliases.length > 0 ? { [ALIASES_ANNOTATION]: options.networkAliases.join(",") } : {}),
      ...(options.stopSignal !== null ? { [STOP_SIGNAL_ANNOTATION]: options.stopSignal } : {}),
      ...(options.stopTimeout !== null ? { [STOP_TIMEOUT_ANNOTATION]: String(options.stopTimeout) } : {}),
      ...(options.interactive ? { [STDIN_ANNOTATION]: "true" } : {}),
      ...(options.publish.length > 0 ? { [PORTS_ANNOTATION]: JSON.stringify(options.publish) } : {}),
      ...(options.labels.length > 0 ? { [LABELS_ANNOTATION]: JSON.stringify(labelsFrom(options.labels)) } : {}),
      // For inspect: the user as given, and where ENTRYPOINT ends and CMD begins.
      ...(options.user !== null ? { [USER_ANNOTATION]: options.user } : {}),
      ...((options.entrypointLength ?? 0) > 0 ? { [ENTRYPOINT_ANNOTATION]: String(options.entrypointLength) } : {}),
    },
  };
}
