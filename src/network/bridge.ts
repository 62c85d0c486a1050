// `--network bridge` or a user network: a network namespace of the container's own, kept as a
// file (made with iproute2's `ip netns`, so that it outlives the container's processes for CNI's
// DEL), with a veth into the network's bridge (minic0 on 10.89.0.0/16 for the default one) and
// NAT to the outside, set up by CNI's bridge, host-local, portmap and firewall plugins (see
// networks.ts), and its loopback by CNI's loopback plugin.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { cniAdd, cniDel, CNI_PATH, CNI_VERSION, type CniResult, type NetworkList } from "./cni.ts";
import { ipamDataDir, ipamDir, networkList, SHARED_IPAM, type NetworkInfo } from "./networks.ts";
import { lockPath, type Lock } from "../state/lock.ts";
import { guardLoopback } from "./loopback-guard.ts";
import type { PortMapping } from "../spec/ports.ts";


/** The network namespace file of a container on the bridge. */
export function netnsPath(id: string): string {
  return `/run/netns/${netnsName(id)}`;
}

function netnsName(id: string): string {
  return `minic-${id.slice(0, 12)}`;
}

const LOOPBACK: NetworkList = { cniVersion: CNI_VERSION, name: "lo", plugins: [{ type: "loopback" }] };

function ip(args: string[]): void {
  const result = Bun.spawnSync(["ip", ...args], { stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0) throw new MinicError(`ip ${args.join(" ")} failed: ${result.stderr.toString().trim()}`);
}

/**
 * Docker's two sysctls for a container in a user namespace of its own on a network namespace the
 * host owns (the bridge's, made before the container): its root holds no capability there, so
 * without them it could not bind a port below 1024 or ping. Written from inside the namespace,
 * by root; the namespace goes with the container, so nothing is to be taken back.
 */
export function allowUnprivilegedNetwork(id: string): void {
  const script = "echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start && echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range";
  const result = Bun.spawnSync(["nsenter", `--net=${netnsPath(id)}`, "sh", "-c", script], { stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0) throw new MinicError(`cannot open the container's network to its user namespace's root (ip_unprivileged_port_start, ping_group_range): ${result.stderr.toString().trim()}`);
}

function resultPath(dir: string): string {
  return join(dir, "network.json");
}

/**
 * Make the container's network: its namespace file, then loopback and the bridge through CNI.
 * Its ADD result is kept in `dir` (the container's directory) for DEL. Undone on any failure.
 */
export function setUpBridge(root: string, id: string, dir: string, network: NetworkInfo, ports: PortMapping[]): CniResult {
  for (const plugin of ["bridge", "host-local", "portmap", "firewall", "loopback"]) {
    if (!existsSync(join(CNI_PATH, plugin))) throw new MinicError(`a network of the container's own needs the CNI plugins (${CNI_PATH}/${plugin} is missing); --network none or host needs none`, undefined, "apt-get install containernetworking-plugins");
  }
  for (const [program, pkg] of [["ip", "iproute2"], ["iptables", "iptables"]] as const) {
    if (Bun.which(program, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }) === null) throw new MinicError(`a network of the container's own needs ${program}, which is not installed; --network none or host needs none`, undefined, `apt-get install ${pkg}`);
  }
  mkdirSync(ipamDataDir(root, network.name), { recursive: true, mode: 0o700 });
  ip(["netns", "add", netnsName(id)]);
  const target = { containerId: id, netns: netnsPath(id), ifname: "lo" };
  const list = networkList(root, network, ports.length > 0);
  const runtimeConfig = { portMappings: portMappings(ports) };
  let result: CniResult | null = null;
  try {
    if (ports.length > 0) guardLoopback(network.bridge);
    cniAdd(LOOPBACK, target);
    result = cniAdd(list, { ...target, ifname: "eth0" }, runtimeConfig);
    writeFileSync(resultPath(dir), JSON.stringify(result));
    return result;
  } catch (error) {
    // Added but not noted (a full disk): taken back now, or nobody could later.
    if (result !== null) {
      try {
        cniDel(list, { ...target, ifname: "eth0" }, result, runtimeConfig);
      } catch {
        // the first failure is the one to report
      }
    }
    // A plugin that failed half-way (iptables failing between two rules) and whose DEL failed as
    // well leaves NAT rules tagged with the id: nobody could find them later.
    removeTaggedNatRules(id);
    deleteNetns(id);
    throw error;
  }
}

/** Take the container's network back: CNI DEL (its address, rules, veth), then the namespace file. */
export function releaseBridge(root: string, id: string, dir: string, network: NetworkInfo, ports: PortMapping[]): void {
  const path = resultPath(dir);
  const exists = existsSync(netnsPath(id));
  if (!existsSync(path) && !exists) return;
  let added: CniResult | null = null;
  try {
    added = JSON.parse(readFileSync(path, "utf8")) as CniResult;
  } catch {
    // no result kept: DEL without it (host-local finds the lease by the container's id)
  }
  const target = { containerId: id, netns: exists ? netnsPath(id) : "", ifname: "eth0" };
  // A DEL that fails keeps the result and the namespace file, so that `rm` can try again.
  const failedBefore = existsSync(delFailedPath(dir));
  try {
    cniDel(networkList(root, network, ports.length > 0), target, added, { portMappings: portMappings(ports) });
  } catch (error) {
    writeFileSync(delFailedPath(dir), "");
    throw error;
  }
  // The bridge plugin finds the NAT rules to remove through the veth's addresses; a DEL that
  // failed after removing the veth leaves them to no later DEL, so they go here.
  if (failedBefore) removeTaggedNatRules(id);
  rmSync(delFailedPath(dir), { force: true });
  rmSync(path, { force: true });
  if (exists) deleteNetns(id);
}

function delFailedPath(dir: string): string {
  return join(dir, "network.del-failed");
}

/**
 * The nat rules CNI's plugins tagged with the container's id (`id: "ID"` in their comment), and
 * the per-container chains they jump to, removed in one iptables-restore a family.
 */
export function removeTaggedNatRules(id: string): void {
  for (const [save, restore] of [["iptables-save", "iptables-restore"], ["ip6tables-save", "ip6tables-restore"]] as const) {
    const saved = Bun.spawnSync([save, "-t", "nat"], { stdout: "pipe", stderr: "ignore" });
    if (saved.exitCode !== 0) continue;
    const tagged = saved.stdout.toString().split("\n").filter((line) => line.startsWith("-A ") && line.includes(`id: \\"${id}\\"`));
    if (tagged.length === 0) continue;
    // The container's own chains: those its tagged rules are in or jump to (bridge's CNI-HASH,
    // portmap's CNI-DN-HASH), never the CNI-HOSTPORT-* chains every container shares.
    const own = (chain: string): boolean => chain.startsWith("CNI-") && !chain.startsWith("CNI-HOSTPORT-");
    const chains = new Set(tagged.flatMap((line) => [line.split(" ")[1] ?? "", / -j (\S+)/.exec(line)?.[1] ?? ""]).filter(own));
    const script = ["*nat", ...tagged.map((line) => `-D ${line.slice(3)}`), ...[...chains].map((chain) => `-F ${chain}`), ...[...chains].map((chain) => `-X ${chain}`), "COMMIT", ""].join("\n");
    Bun.spawnSync([restore, "--noflush"], { stdin: Buffer.from(script), stdout: "ignore", stderr: "ignore" });
  }
}

/** `ip netns delete`, where a file already gone is done: a run's own teardown and an `rm -f` may race to it. */
function deleteNetns(id: string): void {
  try {
    ip(["netns", "delete", netnsName(id)]);
  } catch (error) {
    if (existsSync(netnsPath(id))) throw error;
  }
}

/**
 * What a container kept of a network whose DEL failed, dropped without DEL (rm -f): its namespace
 * file (and so, once its last process is gone, its veth), the NAT rules tagged with its id, and
 * its address leases. Rules keyed by its address alone (the firewall plugin's) may stay; the
 * warning before this says why.
 */
export function forgetBridge(root: string, id: string): void {
  try {
    deleteNetns(id);
  } catch {
    // the warning said DEL failed; this was the best effort after it
  }
  removeTaggedNatRules(id);
  for (const ipam of [ipamDir(root), SHARED_IPAM]) forgetLeases(ipam, id);
}

/** host-local's leases of container `id` below `ipam`, one directory a network. */
function forgetLeases(ipam: string, id: string): void {
  let networks: string[] = [];
  try {
    networks = readdirSync(ipam);
  } catch {
    return;
  }
  for (const network of networks) {
    let leases: string[] = [];
    try {
      leases = readdirSync(join(ipam, network));
    } catch {
      continue;
    }
    for (const lease of leases) {
      const path = join(ipam, network, lease);
      try {
        // host-local's lease: a file named by the address, holding the container's id and interface.
        const holder = readFileSync(path, "utf8").split(/\r?\n/)[0];
        if (holder === id) rmSync(path, { force: true });
      } catch {
        // not a lease (its lock, its last-reserved file)
      }
    }
  }
}

/** The ADD result of a network connected later, kept in the container's directory for its DEL. */
function attachmentPath(dir: string, network: string): string {
  return join(dir, `network-${network}.json`);
}

/**
 * Connect a network to the container's namespace as `ifname` (eth1, ...), without a default route;
 * nothing is done if it is connected already. Undone on failure.
 */
export function attachNetwork(root: string, id: string, dir: string, network: NetworkInfo, ifname: string): CniResult | null {
  if (existsSync(attachmentPath(dir, network.name))) return null;
  const target = { containerId: id, netns: netnsPath(id), ifname };
  const list = networkList(root, network, false, false);
  const result = cniAdd(list, target);
  try {
    writeFileSync(attachmentPath(dir, network.name), JSON.stringify(result));
  } catch (error) {
    try {
      cniDel(list, target, result);
    } catch {
      // the first failure is the one to report
    }
    throw error;
  }
  return result;
}

/** Take a connected network back (CNI DEL with its ADD result); nothing to do if it is not there. */
export function detachNetwork(root: string, id: string, dir: string, network: NetworkInfo, ifname: string): void {
  const path = attachmentPath(dir, network.name);
  if (!existsSync(path)) return;
  let added: CniResult | null = null;
  try {
    added = JSON.parse(readFileSync(path, "utf8")) as CniResult;
  } catch {
    // DEL without it: host-local finds the lease by the container's id and interface
  }
  cniDel(networkList(root, network, false, false), { containerId: id, netns: existsSync(netnsPath(id)) ? netnsPath(id) : "", ifname }, added);
  rmSync(path, { force: true });
}

/** The address a connected network gave the container, while it is connected. */
export function attachedAddress(dir: string, network: string): string | null {
  try {
    return bridgeAddress(JSON.parse(readFileSync(attachmentPath(dir, network), "utf8")) as CniResult);
  } catch {
    return null;
  }
}

/**
 * Hold the container's network namespace file while what is attached to it changes, so that a
 * `network connect` and the container's teardown never interleave. null: it has none (now).
 */
export function lockNetns(id: string): Lock | null {
  if (!existsSync(netnsPath(id))) return null;
  try {
    return lockPath(netnsPath(id), { what: `the network of container ${id.slice(0, 12)}` });
  } catch {
    return null; // gone meanwhile
  }
}

/** The portmap plugin's runtime configuration. */
function portMappings(ports: PortMapping[]): Record<string, unknown>[] {
  return ports.map((port) => ({ hostPort: port.hostPort, containerPort: port.containerPort, protocol: port.protocol, ...(port.hostIP ? { hostIP: port.hostIP } : {}) }));
}

/** The container's IPv4 address on the bridge, from its ADD result. */
export function bridgeAddress(result: CniResult): string | null {
  return result.ips?.find((ip) => !ip.address.includes(":"))?.address.split("/")[0] ?? null;
}

/** Its IPv6 address there, on a network with IPv6. */
export function bridgeAddress6(result: CniResult): string | null {
  return result.ips?.find((ip) => ip.address.includes(":"))?.address.split("/")[0] ?? null;
}
