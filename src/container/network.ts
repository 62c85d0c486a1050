// A container's network over its life: set up when it is provisioned (before its process exists),
// taken back when it stops or is removed, on every path. Only a CNI network (bridge, or a user
// network) has anything to set up; the other modes are namespaces the plan makes or joins. On a
// user network, every member's /etc/hosts names its peers, kept current as they come and go.
import { MinicError } from "../errors.ts";
import { log } from "../log.ts";
import { allowUnprivilegedNetwork, attachedAddress, attachNetwork, forgetBridge, bridgeAddress, bridgeAddress6, detachNetwork, lockNetns, netnsPath, releaseBridge, setUpBridge } from "../network/bridge.ts";
import { withOwnAddress, withPeersBlock } from "../spec/etc-files.ts";
import { ALIASES_ANNOTATION, NETWORK_ANNOTATION, NETWORK_NAME_ANNOTATION, PORTS_ANNOTATION } from "../spec/from-run-flags.ts";
import { DEFAULT_NETWORK, findNetwork, ipamDir, type NetworkInfo } from "../network/networks.ts";
import type { PortMapping } from "../spec/ports.ts";
import type { Spec } from "../spec/types.ts";
import { containerDir, detachedBundleDir, findContainer, listRecords, readSpec, stateRoot } from "../state/store.ts";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { lockPath } from "../state/lock.ts";
import { join } from "node:path";
import type { CniResult } from "../network/cni.ts";
import { holdsSlirp, startSlirp, stopSlirp } from "../network/slirp.ts";
import type { NativeExecutor } from "../../native/executor.ts";
import { isAlive } from "../process/identity.ts";

function onBridge(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[NETWORK_ANNOTATION] === "bridge";
}

function networkOf(root: string, annotations: Record<string, string> | undefined): NetworkInfo {
  return findNetwork(root, annotations?.[NETWORK_NAME_ANNOTATION] ?? DEFAULT_NETWORK);
}

export function setUpNetwork(root: string, id: string, spec: Pick<Spec, "annotations" | "linux">): void {
  if (!onBridge(spec.annotations)) return;
  const network = networkOf(root, spec.annotations);
  const ports = portsOf(spec.annotations);
  const setUp = (): CniResult => setUpBridge(root, id, containerDir(root, id), network, ports);
  const address = bridgeAddress(ports.length === 0 ? setUp() : withPortsLock(root, () => {
    // Checked again where it counts: two runs that chose the same port at once, one of them
    // set up first under this lock, and the other finds it here.
    const taken = publishedPorts(root, id, true);
    const clash = ports.find((mapping) => taken.has(`${mapping.protocol}/${mapping.hostPort}`));
    if (clash !== undefined) throw new MinicError(`port ${clash.hostPort}/${clash.protocol} is already published by another container`);
    return setUp();
  }));
  // As Docker's: root in the container's own user namespace binds low ports and pings there too.
  if (spec.linux.namespaces.some((ns) => ns.type === "user" && ns.path === undefined)) allowUnprivilegedNetwork(id);
  if (address !== null) nameOwnAddress(etcDirOf(root, id), address);
  if (network.name !== DEFAULT_NETWORK) refreshPeers(root, network.name);
  // The networks connected to it with `network connect`, again at each start.
  const lock = lockNetns(id);
  try {
    for (const connection of readConnections(root, id)) {
      attachNetwork(root, id, containerDir(root, id), findNetwork(root, connection.network), connection.ifname);
      refreshPeers(root, connection.network);
    }
  } finally {
    // On failure, whoever provisions it takes everything back (releaseNetwork).
    lock?.release();
  }
}

/** A network connected to a container beside its first, by `minic network connect`. */
export interface Connection {
  network: string;
  /** eth1, eth2, ...: its interface in the container, kept for its DEL. */
  ifname: string;
  aliases: string[];
}

function connectionsPath(root: string, id: string): string {
  return join(containerDir(root, id), "connections.json");
}

/** The networks connected to a container; none when it has no such file. */
export function readConnections(root: string, id: string): Connection[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(connectionsPath(root, id), "utf8"));
    return Array.isArray(parsed) ? (parsed as Connection[]) : [];
  } catch {
    return [];
  }
}

/** Written whole to a new file, then renamed over the old: never half a list. */
export function writeConnections(root: string, id: string, connections: Connection[]): void {
  const path = connectionsPath(root, id);
  writeFileSync(`${path}.next`, JSON.stringify(connections));
  renameSync(`${path}.next`, path);
}

/** The container's first network (bridge or user network): null for host, none or container:NAME. */
export function primaryNetwork(annotations: Record<string, string> | undefined): string | null {
  return onBridge(annotations) ? (annotations?.[NETWORK_NAME_ANNOTATION] ?? DEFAULT_NETWORK) : null;
}

/**
 * The container's own name in its hosts file stands for its address on the network, as in
 * Docker, instead of the loopback address it was written with before the address was known
 * (or the address of its previous start).
 */
function nameOwnAddress(dir: string, address: string): void {
  try {
    const hosts = join(dir, "hosts");
    const hostname = readFileSync(join(dir, "hostname"), "utf8").trim();
    writeFileSync(hosts, withOwnAddress(readFileSync(hosts, "utf8"), hostname, address));
  } catch {
    // a container without minic's /etc files (in a user namespace of its own): nothing to name
  }
}

/**
 * Rewrite network `networkName`'s block in every running member's hosts file, in place (the
 * file is bound into the container: a new file would not be the one it sees).
 */
export function refreshPeers(root: string, networkName: string): void {
  const lock = lockPath(ipamLockDir(root), { what: `network ${networkName}` });
  try {
    rewritePeers(root, networkName);
  } finally {
    lock.release();
  }
}

/** A directory to lock for the members' hosts files of every network (made if missing). */
function ipamLockDir(root: string): string {
  const dir = ipamDir(root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function rewritePeers(root: string, networkName: string): void {
  // The default network has no names, as Docker's default bridge has none.
  if (networkName === DEFAULT_NETWORK) return;
  const members: { id: string; names: string[]; address: string; hosts: string }[] = [];
  for (const entry of listRecords(root)) {
    if (entry.kind !== "ok" || entry.record.status === "stopped") continue;
    let annotations: Record<string, string> | undefined;
    try {
      annotations = (readSpec(root, entry.record.id) as Pick<Spec, "annotations">).annotations;
    } catch {
      continue;
    }
    const id = entry.record.id;
    const hosts = join(etcDirOf(root, id), "hosts");
    if (primaryNetwork(annotations) === networkName) {
      const address = bridgeAddressOf(root, id);
      const aliases = (annotations?.[ALIASES_ANNOTATION] ?? "").split(",").filter(Boolean);
      if (address !== null) members.push({ id, names: [entry.record.name, ...aliases], address, hosts });
    }
    const connection = readConnections(root, id).find((c) => c.network === networkName);
    const address = connection === undefined ? null : attachedAddress(containerDir(root, id), networkName);
    if (connection !== undefined && address !== null) members.push({ id, names: [entry.record.name, ...connection.aliases], address, hosts });
  }
  const peers = members.map((member) => `${member.address}\t${member.names.join(" ")}`);
  for (const member of members) rewriteHosts(member.hosts, (text) => withPeersBlock(text, networkName, peers));
}

/** Change a container's bound hosts file in place; never one rebuilt from nothing. */
export function rewriteHosts(hosts: string, change: (text: string) => string): void {
  try {
    const text = readFileSync(hosts, "utf8");
    // Its own lines (localhost, its name, --add-host) are what the blocks are kept beside.
    if (text.trim() === "") return;
    writeFileSync(hosts, change(text));
  } catch {
    // a member without its hosts file (in a user namespace of its own): nothing to keep current
  }
}

/** Whether a container has a CNI network set up (its ADD result is kept until its DEL). */
export function holdsNetwork(root: string, id: string): boolean {
  // The namespace file comes first and goes last: a run killed between ADD and noting its result holds one too.
  return existsSync(join(containerDir(root, id), "network.json")) || existsSync(netnsPath(id));
}

/** Where a container's /etc files are: its bundle's for a detached or created one, else its directory. */
export function etcDirOf(root: string, id: string): string {
  const bundle = detachedBundleDir(root, id);
  return existsSync(join(bundle, "hosts")) ? bundle : containerDir(root, id);
}

/** A container's published ports, from its spec. */
export function portsOf(annotations: Record<string, string> | undefined): PortMapping[] {
  try {
    const parsed: unknown = JSON.parse(annotations?.[PORTS_ANNOTATION] ?? "[]");
    return Array.isArray(parsed) ? (parsed as PortMapping[]) : [];
  } catch {
    return [];
  }
}

/**
 * The ports minic's containers hold now, as "tcp/18080": every container with a network set up
 * (its rules stay until it is released, a killed run's too), not only the live ones.
 */
export function publishedPorts(root: string, except: string | null = null, recover = false): Set<string> {
  const taken = new Set<string>();
  for (const entry of listRecords(root)) {
    if (entry.kind !== "ok" || entry.record.id === except || !(holdsNetwork(root, entry.record.id) || holdsSlirp(containerDir(root, entry.record.id)))) continue;
    // Its processes and its minic all gone (a SIGKILLed run): the next command takes its network
    // back, so that what it published is free again (`rm` would do the same).
    // One being made under conmon (no owner recorded; its process comes later) is not dead.
    const { record } = entry;
    const dead = !isAlive(record.process) && (record.status === "running" ? !isAlive(record.owner) : record.owner !== null && !isAlive(record.owner));
    if (recover && dead) {
      releaseNetwork(root, record.id);
      continue;
    }
    try {
      const annotations = (readSpec(root, entry.record.id) as Pick<Spec, "annotations">).annotations;
      for (const mapping of portsOf(annotations)) taken.add(`${mapping.protocol}/${mapping.hostPort}`);
    } catch {
      // no spec: no ports
    }
  }
  return taken;
}

/**
 * What must happen between a child's clone and its setup for its network: slirp4netns joins a
 * rootless container's namespace then (its ports forwarded); nothing for the other networks.
 */
export function networkBeforeSetup(root: string, id: string, spec: Pick<Spec, "annotations">, foreground: boolean): ((pid: number, executor: NativeExecutor) => void) | undefined {
  if (spec.annotations?.[NETWORK_ANNOTATION] !== "slirp4netns") return undefined;
  // A foreground run's slirp4netns ends with minic; a detached container's is stopped by its cleanup.
  return (pid, executor) => startSlirp(executor, root, id, containerDir(root, id), pid, portsOf(spec.annotations), foreground);
}

/**
 * Idempotent: a container whose network is already gone has nothing to take back. `known`: the
 * spec's annotations when the caller holds the spec (a run that just ended): a container with no
 * network of minic's making (none, host, another's) then needs no read of its config.json, about
 * 0.4 ms of every such `run`. Others read it, as its presence says the network may still be there.
 */
export function releaseNetwork(root: string, id: string, known?: Record<string, string>, onFailure: "warn" | "throw" | "force" = "warn"): void {
  if (known !== undefined && known[NETWORK_ANNOTATION] !== "slirp4netns" && !onBridge(known)) return;
  let annotations: Record<string, string> | undefined;
  try {
    annotations = (readSpec(root, id) as Pick<Spec, "annotations">).annotations;
  } catch {
    return; // no spec: nothing of minic's network was made for it
  }
  if (annotations?.[NETWORK_ANNOTATION] === "slirp4netns") {
    stopSlirp(containerDir(root, id));
    return;
  }
  if (!onBridge(annotations)) return;
  // Under the namespace file's lock: a `network connect` waiting on it finds the file gone.
  const lock = lockNetns(id);
  try {
    for (const connection of readConnections(root, id)) {
      detachNetwork(root, id, containerDir(root, id), findNetwork(root, connection.network), connection.ifname);
      refreshPeers(root, connection.network);
    }
    const network = networkOf(root, annotations);
    releaseBridge(root, id, containerDir(root, id), network, portsOf(annotations));
    if (network.name !== DEFAULT_NETWORK) refreshPeers(root, network.name);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // rm: the container stays, with what DEL needs, so that it can be tried again.
    if (onFailure === "throw") throw new MinicError(`cannot take back the network of container ${id.slice(0, 12)}: ${why}`, undefined, "fix the cause and run rm again, or rm -f removes it anyway");
    log.warn(`taking back the network of container ${id.slice(0, 12)}: ${why}`);
    // rm -f: the container goes anyway; its namespace file and address leases go with it.
    if (onFailure === "force") forgetBridge(root, id);
  } finally {
    lock?.release();
  }
}

/** One run at a time between checking published ports and publishing its own (state root's lock). */
function withPortsLock<T>(root: string, fn: () => T): T {
  const dir = join(root, "cni");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = lockPath(dir, { what: "the published ports" });
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/** `minic port`: a container's published ports, by name or id. */
export function containerPorts(ref: string): PortMapping[] {
  const root = stateRoot();
  const record = findContainer(root, ref);
  return portsOf((readSpec(root, record.id) as Pick<Spec, "annotations">).annotations);
}

/** The container's address on the bridge while it has one (IPv6: its IPv6 one, if any). */
export function bridgeAddressOf(root: string, id: string, family: 4 | 6 = 4): string | null {
  try {
    const result = JSON.parse(readFileSync(join(containerDir(root, id), "network.json"), "utf8")) as CniResult;
    return family === 4 ? bridgeAddress(result) : bridgeAddress6(result);
  } catch {
    return null;
  }
}
