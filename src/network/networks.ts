// Networks: minic's default `minic` (bridge minic0, 10.89.0.0/16) and the ones users make with
// `minic network create`, each a CNI conflist in MINIC_ROOT/networks (nothing of the host's CNI
// configuration is read or touched). A user network is a bridge of its own with its own subnet;
// `--internal` ones have no NAT to the outside.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { CNI_VERSION, type NetworkList } from "./cni.ts";
import { unguardLoopback } from "./loopback-guard.ts";
import { unisolate } from "./isolation.ts";

export const DEFAULT_NETWORK = "minic";
const DEFAULT_SUBNET = "10.89.0.0/16";

export interface NetworkInfo {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** Its IPv6 subnet and gateway (`network create --ipv6`); null: IPv4 only, as Docker's default. */
  subnet6: string | null;
  gateway6: string | null;
  internal: boolean;
}

/** What `network create` is given: subnets and gateways of either family, at most one of each. */
export interface NetworkOptions {
  subnets: string[];
  gateways: string[];
  ipv6: boolean;
  internal: boolean;
  /** IPv4 networks the host routes already (CIDR): a subnet chosen for it avoids them, as Docker's does. */
  hostRoutes?: string[];
}

function networksDir(root: string): string {
  return join(root, "networks");
}

function conflistPath(root: string, name: string): string {
  return join(networksDir(root), `${name}.conflist`);
}

export function ipamDir(root: string): string {
  return join(root, "cni", "ipam");
}

/**
 * The default network's address leases: one directory for the host, as its bridge minic0 and its
 * 10.89.0.0/16 are one for every state root (two roots' leases apart gave two containers one
 * address). In /run: a lease lives no longer than its container's network. A user network is
 * its state root's own, and so are its leases.
 */
export const SHARED_IPAM = "/run/minic/ipam";

/** Where host-local keeps the leases of `network` (a subdirectory of its name below it). */
export function ipamDataDir(root: string, network: string): string {
  return network === DEFAULT_NETWORK ? SHARED_IPAM : ipamDir(root);
}

/**
 * The conflist of a network: the bridge with host-local addresses, portmap and firewall. A
 * container that publishes no port is set up without portmap (a plugin run less at ADD and at DEL,
 * some 20 ms each): `ports` says which, and must say the same at DEL as at ADD. `defaultRoute`:
 * false for a network connected to a running container beside its first.
 */
export function networkList(root: string, info: NetworkInfo, ports = true, defaultRoute = true): NetworkList {
  return {
    cniVersion: CNI_VERSION,
    name: info.name,
    plugins: [
      {
        type: "bridge",
        bridge: info.bridge,
        isGateway: true,
        ipMasq: !info.internal,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: info.subnet, gateway: info.gateway }], ...(info.subnet6 === null ? [] : [[{ subnet: info.subnet6, gateway: info.gateway6 ?? "" }]])],
          // A network connected later (eth1, ...) reaches only its own subnet: the default route
          // stays the first one's, as in Docker.
          routes: info.internal || !defaultRoute ? [] : [{ dst: "0.0.0.0/0" }, ...(info.subnet6 === null ? [] : [{ dst: "::/0" }])],
          dataDir: ipamDataDir(root, info.name),
        },
      },
      ...(ports ? [{ type: "portmap", capabilities: { portMappings: true } }] : []),
      { type: "firewall", backend: "iptables" },
    ],
  };
}

function infoOf(list: NetworkList): NetworkInfo {
  const bridge = list.plugins[0] as { bridge?: string; ipMasq?: boolean; ipam?: { ranges?: { subnet: string; gateway: string }[][] } } | undefined;
  const range = bridge?.ipam?.ranges?.[0]?.[0];
  const range6 = bridge?.ipam?.ranges?.[1]?.[0];
  if (bridge?.bridge === undefined || range === undefined) throw new MinicError(`network ${list.name}: its configuration is damaged`);
  return { name: list.name, bridge: bridge.bridge, subnet: range.subnet, gateway: range.gateway, subnet6: range6?.subnet ?? null, gateway6: range6?.gateway ?? null, internal: bridge.ipMasq === false };
}

const DEFAULT_INFO: NetworkInfo = { name: DEFAULT_NETWORK, bridge: "minic0", subnet: DEFAULT_SUBNET, gateway: "10.89.0.1", subnet6: null, gateway6: null, internal: false };

export function findNetwork(root: string, name: string): NetworkInfo {
  if (name === DEFAULT_NETWORK) return DEFAULT_INFO;
  // A name is a file name in minic's directory: nothing that could lead out of it.
  if (!NAME_PATTERN.test(name)) throw new MinicError(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-], at most 64 characters`);
  const path = conflistPath(root, name);
  if (!existsSync(path)) throw new MinicError(`no such network: ${name}`, undefined, "see 'minic network ls'");
  return infoOf(JSON.parse(readFileSync(path, "utf8")) as NetworkList);
}

export function listNetworks(root: string): NetworkInfo[] {
  const dir = networksDir(root);
  const names = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith(".conflist")).map((file) => file.slice(0, -".conflist".length)) : [];
  return [DEFAULT_INFO, ...names.sort().map((name) => findNetwork(root, name))];
}

/** 10.89.0.0/16 -> [network address as a number, prefix length]. */
function parseCidr(cidr: string): [number, number] {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (match === null || octets.some((octet) => octet > 255) || prefix < 8 || prefix > 30) throw new MinicError(`invalid --subnet "${cidr}": expected an IPv4 network such as 10.90.0.0/24 (prefix 8 to 30)`);
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) throw new MinicError(`invalid --subnet "${cidr}": ${octets.join(".")} is not the start of a /${prefix}`);
  return [address, prefix];
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

function overlaps(a: string, b: string): boolean {
  const [startA, prefixA] = parseCidr(a);
  const [startB, prefixB] = parseCidr(b);
  return startA < startB + 2 ** (32 - prefixB) && startB < startA + 2 ** (32 - prefixA);
}

/** fd00:1:2::/64 -> [network address as a number, prefix length]. */
function parseCidr6(cidr: string): [bigint, number] {
  const [text = "", prefixText = ""] = cidr.split("/");
  const address = parseAddress6(text);
  const prefix = Number(prefixText);
  if (address === null || !/^\d{1,3}$/.test(prefixText) || prefix < 48 || prefix > 120) throw new MinicError(`invalid --subnet "${cidr}": expected an IPv6 network such as fd00:89::/64 (prefix 48 to 120)`);
  if (address % (1n << BigInt(128 - prefix)) !== 0n) throw new MinicError(`invalid --subnet "${cidr}": ${text} is not the start of a /${prefix}`);
  return [address, prefix];
}

/** An IPv6 address as a number; null if it is not one. */
export function parseAddress6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split("::").length > 2) return null;
  const [head = "", tail] = text.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if ((tail === undefined && missing !== 0) || (tail !== undefined && missing < 1)) return null;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (all.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** An IPv6 address in its canonical text (RFC 5952): lower case, the longest zero run as "::". */
export function formatAddress6(address: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(16 * (7 - i))) & 0xffffn).toString(16));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let length = 0;
    while (i + length < 8 && groups[i + length] === "0") length++;
    if (length > bestLength) [best, bestLength] = [i, length];
  }
  if (best === -1) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLength).join(":")}`;
}

function overlaps6(a: string, b: string): boolean {
  const [startA, prefixA] = parseCidr6(a);
  const [startB, prefixB] = parseCidr6(b);
  return startA < startB + (1n << BigInt(128 - prefixB)) && startB < startA + (1n << BigInt(128 - prefixA));
}

/** A network name: Docker's characters, and none of --network's own words. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*(\.[a-zA-Z0-9_-]+)*$/;

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.length > 64) throw new MinicError(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-], at most 64 characters`);
  // What --network reads as a mode; `container:NAME` cannot be a name anyway (no colon).
  if (["host", "bridge", "none", "slirp4netns", "default", DEFAULT_NETWORK].includes(name)) throw new MinicError(`network name "${name}" is reserved`);
}

export function createNetwork(root: string, name: string, options: NetworkOptions): NetworkInfo {
  checkName(name);
  if (existsSync(conflistPath(root, name))) throw new MinicError(`network ${name} exists`);
  const existing = listNetworks(root);
  const [subnet4, subnet6] = oneOfEach(options.subnets, "--subnet");
  const [gateway4, gateway6] = oneOfEach(options.gateways, "--gateway");
  if ((gateway4 !== null && subnet4 === null) || (gateway6 !== null && subnet6 === null)) throw new MinicError("--gateway needs the --subnet it is in, as in Docker");
  const { subnet, gateway } = ipv4Range(existing, subnet4, gateway4, options.hostRoutes ?? []);
  // An IPv6 subnet given asks for IPv6, as --ipv6 does.
  const v6 = options.ipv6 || subnet6 !== null ? ipv6Range(name, existing, subnet6, gateway6) : { subnet: null, gateway: null };
  // Linux names a bridge in at most 15 characters: mnc- and 11 of the name's hash.
  const bridge = `mnc-${Bun.hash(name).toString(16).padStart(11, "0").slice(0, 11)}`;
  const info: NetworkInfo = { name, bridge, subnet, gateway, subnet6: v6.subnet, gateway6: v6.gateway, internal: options.internal };
  mkdirSync(networksDir(root), { recursive: true, mode: 0o700 });
  const partial = `${conflistPath(root, name)}.partial-${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(networkList(root, info), null, 2)}\n`);
  renameSync(partial, conflistPath(root, name));
  return info;
}

/** [IPv4, IPv6] of a repeatable flag, told apart by a colon; at most one of each. */
function oneOfEach(values: string[], flag: string): [string | null, string | null] {
  const v4 = values.filter((value) => !value.includes(":"));
  const v6 = values.filter((value) => value.includes(":"));
  if (v4.length > 1 || v6.length > 1) throw new MinicError(`${flag} is given at most once per address family (IPv4, IPv6)`);
  return [v4[0] ?? null, v6[0] ?? null];
}

function ipv4Range(existing: NetworkInfo[], wanted: string | null, wantedGateway: string | null, hostRoutes: string[]): { subnet: string; gateway: string } {
  let subnet = wanted;
  if (subnet === null) {
    // The first free /24 in 10.90.0.0/16 and on, clear of minic's networks and of what the host
    // routes already (a LAN, a VPN, another state root's bridge): within 10.0.0.0/8, from
    // 10.90.0.0 to 10.255.255.0. A default route (0.0.0.0/0) is no network.
    const routed = hostRoutes.flatMap((route) => {
      const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(route);
      const prefix = Number(match?.[5]);
      if (match === null || prefix < 1 || prefix > 32) return [];
      const address = match.slice(1, 5).map(Number).reduce((value, octet) => value * 256 + octet, 0);
      const size = 2 ** (32 - prefix);
      return [[address - (address % size), size] as const];
    });
    for (let third = 0; third < (256 - 90) * 256 && subnet === null; third++) {
      const start = parseCidr("10.90.0.0/16")[0] + third * 256;
      const candidate = `${dotted(start)}/24`;
      const clear = routed.every(([from, size]) => from + size <= start || start + 256 <= from);
      if (clear && !existing.some((network) => overlaps(network.subnet, candidate))) subnet = candidate;
    }
    if (subnet === null) throw new MinicError("no free /24 left from 10.90.0.0 to 10.255.255.0: give one with --subnet");
  } else {
    const clash = existing.find((network) => overlaps(network.subnet, subnet ?? ""));
    if (clash !== undefined) throw new MinicError(`subnet ${subnet} overlaps network ${clash.name}'s ${clash.subnet}`);
  }
  const [start, prefix] = parseCidr(subnet);
  const gateway = wantedGateway ?? dotted(start + 1);
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(gateway) || gateway.split(".").some((octet) => Number(octet) > 255)) {
    throw new MinicError(`invalid --gateway "${gateway}": expected an IPv4 address`);
  }
  const gatewayValue = gateway.split(".").map(Number).reduce((value, octet) => value * 256 + octet, 0);
  if (gatewayValue <= start || gatewayValue >= start + 2 ** (32 - prefix) - 1) throw new MinicError(`invalid --gateway "${gateway}": not a host address of ${subnet}`);
  return { subnet, gateway };
}

/**
 * An IPv6 subnet: the one given, or a unique local /64 (fd00::/8, RFC 4193) whose 40-bit global
 * id comes from the network's name, as Docker takes one from its unique local pool.
 */
function ipv6Range(name: string, existing: NetworkInfo[], wanted: string | null, wantedGateway: string | null): { subnet: string; gateway: string } {
  let subnet = wanted;
  if (subnet === null) {
    for (let attempt = 0; attempt < 16 && subnet === null; attempt++) {
      const id = BigInt(`0x${Bun.hash(`${name}/${attempt}`).toString(16).padStart(10, "0").slice(-10)}`);
      const candidate = `${formatAddress6((0xfdn << 120n) | (id << 80n))}/64`;
      if (!existing.some((network) => network.subnet6 !== null && overlaps6(network.subnet6, candidate))) subnet = candidate;
    }
    if (subnet === null) throw new MinicError("no free IPv6 subnet found: give one with --subnet");
  } else {
    const clash = existing.find((network) => network.subnet6 !== null && overlaps6(network.subnet6, subnet ?? ""));
    if (clash !== undefined) throw new MinicError(`subnet ${subnet} overlaps network ${clash.name}'s ${clash.subnet6 ?? ""}`);
  }
  const [start, prefix] = parseCidr6(subnet);
  const gateway = wantedGateway ?? formatAddress6(start + 1n);
  const value = parseAddress6(gateway);
  if (value === null) throw new MinicError(`invalid --gateway "${gateway}": expected an IPv6 address`);
  if (value <= start || value >= start + (1n << BigInt(128 - prefix)) - 1n) throw new MinicError(`invalid --gateway "${gateway}": not a host address of ${subnet}`);
  return { subnet: `${formatAddress6(start)}/${prefix}`, gateway: formatAddress6(value) };
}

/** The network's configuration, its bridge (if made) and its addresses' leases go. */
export function removeNetwork(root: string, info: NetworkInfo): void {
  Bun.spawnSync(["ip", "link", "delete", info.bridge], { stdout: "ignore", stderr: "ignore" });
  unguardLoopback(info.bridge);
  unisolate(info.bridge);
  rmSync(join(ipamDir(root), info.name), { recursive: true, force: true });
  rmSync(conflistPath(root, info.name), { force: true });
}
