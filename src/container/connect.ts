// `minic network connect [--alias NAME] NETWORK CONTAINER` and `network disconnect NETWORK
// CONTAINER`: networks beside a container's first, as eth1, eth2, ... without a default route.
// A running container is connected at once; a stopped or created one at its next start. The list
// is kept in the container's directory (connections.json) and what is attached goes with the rest
// of its network on every stop path (releaseNetwork).
import { MinicError } from "../errors.ts";
import { attachNetwork, detachNetwork, lockNetns, netnsPath } from "../network/bridge.ts";
import { DEFAULT_NETWORK, findNetwork } from "../network/networks.ts";
import type { Spec } from "../spec/types.ts";
import { withPeersBlock } from "../spec/etc-files.ts";
import { containerDir, findContainer, lockContainer, readSpec, stateRoot, type ContainerRecord } from "../state/store.ts";
import { etcDirOf, primaryNetwork, readConnections, refreshPeers, rewriteHosts, writeConnections, type Connection } from "./network.ts";
import { requireRoot } from "./privileges.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Docker's name for the default network is minic's too. */
function networkName(name: string): string {
  return name === "bridge" ? DEFAULT_NETWORK : name;
}

/** Under the container's lock: one connect, disconnect, start or rm at a time. */
function withContainer<T>(ref: string, fn: (root: string, record: ContainerRecord, primary: string | null) => T): T {
  requireRoot("minic network");
  const root = stateRoot();
  const found = findContainer(root, ref);
  const lock = lockContainer(root, found.id);
  try {
    const record = findContainer(root, found.id);
    const primary = primaryNetwork((readSpec(root, record.id) as Pick<Spec, "annotations">).annotations);
    return fn(root, record, primary);
  } finally {
    lock.release();
  }
}

export function connectNetwork(name: string, ref: string, aliases: string[]): void {
  const wanted = networkName(name);
  withContainer(ref, (root, record, primary) => {
    const network = findNetwork(root, wanted);
    if (primary === null) throw new MinicError(`container ${record.name} has no network of its own (--network host, none or container:NAME): it cannot be connected to one`);
    const connections = readConnections(root, record.id);
    if (primary === network.name || connections.some((c) => c.network === network.name)) throw new MinicError(`container ${record.name} is already connected to network ${network.name}`);
    if (aliases.length > 0 && network.name === DEFAULT_NETWORK) throw new MinicError("--alias needs a user network, as in Docker: the default network has no names");
    const taken = new Set(connections.map((c) => c.ifname));
    let index = 1;
    while (taken.has(`eth${index}`)) index++;
    const connection: Connection = { network: network.name, ifname: `eth${index}`, aliases };
    writeConnections(root, record.id, [...connections, connection]);
    // Not running (no namespace file, or it went while we waited for its lock): connected at its next start.
    const netns = lockNetns(record.id);
    if (netns === null) return;
    if (!existsSync(netnsPath(record.id))) {
      netns.release();
      return;
    }
    try {
      attachNetwork(root, record.id, containerDir(root, record.id), network, connection.ifname);
    } catch (error) {
      writeConnections(root, record.id, connections);
      throw error;
    } finally {
      netns.release();
    }
    refreshPeers(root, network.name);
  });
}

export function disconnectNetwork(name: string, ref: string): void {
  const wanted = networkName(name);
  withContainer(ref, (root, record, primary) => {
    const connections = readConnections(root, record.id);
    const connection = connections.find((c) => c.network === wanted);
    if (connection === undefined) {
      if (primary === wanted) throw new MinicError(`network ${wanted} is container ${record.name}'s first network, made with it: only networks connected later can be disconnected`);
      throw new MinicError(`container ${record.name} is not connected to network ${wanted}`);
    }
    const netns = lockNetns(record.id);
    try {
      // A network removed since (possible only while the container was stopped) has nothing attached.
      if (netns !== null) detachNetwork(root, record.id, containerDir(root, record.id), findNetwork(root, wanted), connection.ifname);
    } finally {
      netns?.release();
    }
    writeConnections(root, record.id, connections.filter((c) => c !== connection));
    refreshPeers(root, wanted);
    rewriteHosts(join(etcDirOf(root, record.id), "hosts"), (text) => withPeersBlock(text, wanted, null));
  });
}
