// `minic inspect`: a container as Docker's `docker inspect` shows one (the fields scripts read),
// from its record and its config.json.
import { existsSync } from "node:fs";
import { DEFAULT_MOUNTS } from "../spec/defaults.ts";
import { ALIASES_ANNOTATION, ENTRYPOINT_ANNOTATION, INIT_PATH, NETWORK_ANNOTATION, RESTART_ANNOTATION, STOP_SIGNAL_ANNOTATION, USER_ANNOTATION } from "../spec/from-run-flags.ts";
import { parseRestartPolicy } from "../spec/restart-policy.ts";
import { labelsOf } from "../spec/labels.ts";
import { ETC_FILES } from "../spec/etc-files.ts";
import { bridgeAddressOf, portsOf, primaryNetwork, readConnections } from "./network.ts";
import { attachedAddress } from "../network/bridge.ts";
import { DEFAULT_NETWORK } from "../network/networks.ts";
import type { Spec } from "../spec/types.ts";
import { isAlive } from "../process/identity.ts";
import { containerDir, detachedBundleDir, findContainer, readSpec, stateRoot, type ContainerRecord } from "../state/store.ts";
import { detachedLogPath } from "./run-detached.ts";

export type Inspected = Record<string, unknown>;

export function inspectContainers(refs: string[]): Inspected[] {
  const root = stateRoot();
  return refs.map((ref) => inspectRecord(root, findContainer(root, ref)));
}

/** Docker's State.Status: created, running, paused or exited. */
function dockerStatus(record: ContainerRecord): string {
  if (record.status === "stopped" || (record.status === "running" && !isAlive(record.process))) return "exited";
  return record.status === "creating" ? "created" : record.status;
}

function inspectRecord(root: string, record: ContainerRecord): Inspected {
  const spec = readSpec(root, record.id) as Spec;
  const args = spec.process.args[0] === INIT_PATH ? spec.process.args.slice(2) : spec.process.args;
  const entrypointWords = Number(spec.annotations?.[ENTRYPOINT_ANNOTATION] ?? 0);
  const status = dockerStatus(record);
  const running = status === "running";
  const memory = spec.linux.resources.memory;
  const cpu = spec.linux.resources.cpu;
  const defaults = new Set(DEFAULT_MOUNTS.map((mount) => mount.destination));
  // minic's own: its defaults, --init's binary, and the /etc files it writes under its root.
  const userMounts = spec.mounts.filter((mount) => !defaults.has(mount.destination) && mount.destination !== INIT_PATH && !(ETC_FILES.some((name) => mount.destination === `/etc/${name}`) && mount.source.startsWith(`${root}/`)));
  const binds = userMounts.filter((mount) => mount.options.includes("bind") || mount.options.includes("rbind"));
  const logPath = detachedLogPath(detachedBundleDir(root, record.id));
  const user = spec.process.user;
  return {
    Id: record.id,
    Name: `/${record.name}`,
    Created: record.created,
    Path: args[0] ?? "",
    Args: args.slice(1),
    State: {
      Status: status,
      Running: running,
      Paused: false,
      Restarting: record.restarting,
      OOMKilled: record.oomKilled,
      Dead: false,
      Pid: running ? (record.process?.pid ?? 0) : 0,
      ExitCode: record.exitCode ?? 0,
      StartedAt: record.started ?? record.created,
      FinishedAt: record.finished ?? "0001-01-01T00:00:00Z",
    },
    Config: {
      Hostname: spec.hostname,
      User: spec.annotations?.[USER_ANNOTATION] ?? (user.uid === 0 && user.gid === 0 ? "" : `${user.uid}:${user.gid}`),
      Env: spec.process.env,
      Cmd: args.length > entrypointWords ? args.slice(entrypointWords) : null,
      Entrypoint: entrypointWords > 0 ? args.slice(0, entrypointWords) : null,
      WorkingDir: spec.process.cwd,
      Tty: spec.process.terminal,
      Labels: labelsOf(spec.annotations),
      StopSignal: spec.annotations?.[STOP_SIGNAL_ANNOTATION] ?? "SIGTERM",
    },
    HostConfig: {
      Binds: binds.map((mount) => `${mount.source}:${mount.destination}${mount.options.includes("ro") ? ":ro" : ""}`),
      Memory: memory?.limit ?? 0,
      MemorySwap: memory?.swap ?? 0,
      NanoCpus: cpu?.quota !== undefined && cpu.period !== undefined ? Math.round((cpu.quota / cpu.period) * 1e9) : 0,
      CpuShares: cpu?.shares ?? 0,
      PidsLimit: spec.linux.resources.pids?.limit ?? null,
      ReadonlyRootfs: spec.root.readonly,
      AutoRemove: record.autoRemove,
      Init: spec.process.args[0] === INIT_PATH,
      NetworkMode: networkMode(spec),
      RestartPolicy: (() => {
        const policy = parseRestartPolicy(spec.annotations?.[RESTART_ANNOTATION] ?? "no");
        return { Name: policy.name, MaximumRetryCount: policy.maxRetries };
      })(),
      CgroupParent: spec.linux.cgroupsPath.split("/").slice(0, -1).join("/"),
    },
    Mounts: userMounts.map((mount) => {
      const bind = mount.options.includes("bind") || mount.options.includes("rbind");
      const readonly = mount.options.includes("ro");
      return { Type: bind ? "bind" : mount.type, Source: bind ? mount.source : "", Destination: mount.destination, Mode: readonly ? "ro" : "", RW: !readonly };
    }),
    RestartCount: record.restartCount,
    NetworkSettings: {
      IPAddress: running ? (bridgeAddressOf(root, record.id) ?? "") : "",
      GlobalIPv6Address: running ? (bridgeAddressOf(root, record.id, 6) ?? "") : "",
      Networks: networksOf(root, record.id, spec, running),
      Ports: Object.fromEntries(portsOf(spec.annotations).map((mapping) => [`${mapping.containerPort}/${mapping.protocol}`, [{ HostIp: mapping.hostIP || "0.0.0.0", HostPort: String(mapping.hostPort) }]])),
    },
    LogPath: existsSync(logPath) ? logPath : "",
    Image: record.rootfs,
  };
}

/** Docker's HostConfig.NetworkMode: bridge, a user network's name, container:NAME, none or host. */
function networkMode(spec: Spec): string {
  const primary = primaryNetwork(spec.annotations);
  if (primary !== null) return primary === DEFAULT_NETWORK ? "bridge" : primary;
  const joined = spec.annotations?.[NETWORK_ANNOTATION];
  if (joined?.startsWith("container:")) return joined;
  return spec.linux.namespaces.some((ns) => ns.type === "network") ? "none" : "host";
}

/** Docker's NetworkSettings.Networks: the first network and those connected later, with their addresses while running. */
function networksOf(root: string, id: string, spec: Spec, running: boolean): Record<string, { IPAddress: string; Aliases: string[] }> {
  const primary = primaryNetwork(spec.annotations);
  if (primary === null) return {};
  const first = { [primary === DEFAULT_NETWORK ? "bridge" : primary]: { IPAddress: running ? (bridgeAddressOf(root, id) ?? "") : "", Aliases: (spec.annotations?.[ALIASES_ANNOTATION] ?? "").split(",").filter(Boolean) } };
  const later = readConnections(root, id).map((c) => [c.network === DEFAULT_NETWORK ? "bridge" : c.network, { IPAddress: running ? (attachedAddress(containerDir(root, id), c.network) ?? "") : "", Aliases: c.aliases }] as const);
  return { ...first, ...Object.fromEntries(later) };
}
