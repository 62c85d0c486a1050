// Networks: minic's default `minic` (bridge minic0, 10.89.0.0/16) and the ones users make with
// `minic network create`, each a CNI conflist in MINIC_ROOT/networks (nothing of the host's CNI
// configuration is read or touched). A user network is a bridge of its own with its own subnet;
// `--internal` ones have no NAT to the outside.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { CNI_VERSION, type NetworkList } from "./cni.ts";

export const DEFAULT_NETWORK = "minic";
const DEFAULT_SUBNET = "10.89.0.0/16";

export interface NetworkInfo {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
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
          ranges: [[{ subnet: info.subnet, gateway: info.gateway }]],
          // A network connected later (eth1, ...) reaches only its own subnet: the default route
          // stays the first one's, as in Docker.
          routes: info.internal || !defaultRoute ? [] : [{ dst: "0.0.0.0/0" }],
          dataDir: ipamDir(root),
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
  if (bridge?.bridge === undefined || range === undefined) throw new MinicError(`network ${list.name}: its configuration is damaged`);
  return { name: list.name, bridge: bridge.bridge, subnet: range.subnet, gateway: range.gateway, internal: bridge.ipMasq === false };
}

const DEFAULT_INFO: NetworkInfo = { name: DEFAULT_NETWORK, bridge: "minic0", subnet: DEFAULT_SUBNET, gateway: "10.89.0.1", internal: false };

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

/** A network name: Docker's characters, and none of --network's own words. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*(\.[a-zA-Z0-9_-]+)*$/;

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.length > 64) throw new MinicError(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-], at most 64 characters`);
  if (["host", "bridge", "none", DEFAULT_NETWORK].includes(name) || name.startsWith("container")) throw new MinicError(`network name "${name}" is reserved`);
}

export function createNetwork(root: string, name: string, options: { subnet: string | null; gateway: string | null; internal: boolean }): NetworkInfo {
  checkName(name);
  if (existsSync(conflistPath(root, name))) throw new MinicError(`network ${name} exists`);
  const existing = listNetworks(root);
  let subnet = options.subnet;
  if (subnet === null) {
    // The first free /24 in 10.90.0.0/16 and on.
    // Within 10.0.0.0/8: from 10.90.0.0 to 10.255.255.0.
    for (let third = 0; third < (256 - 90) * 256 && subnet === null; third++) {
      const candidate = `${dotted(parseCidr("10.90.0.0/16")[0] + third * 256)}/24`;
      if (!existing.some((network) => overlaps(network.subnet, candidate))) subnet = candidate;
    }
    if (subnet === null) throw new MinicError("no free /24 left from 10.90.0.0 to 10.255.255.0: give one with --subnet");
  } else {
    const clash = existing.find((network) => overlaps(network.subnet, subnet ?? ""));
    if (clash !== undefined) throw new MinicError(`subnet ${subnet} overlaps network ${clash.name}'s ${clash.subnet}`);
  }
  const [start, prefix] = parseCidr(subnet);
  const gateway = options.gateway ?? dotted(start + 1);
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(gateway) || gateway.split(".").some((octet) => Number(octet) > 255)) {
    throw new MinicError(`invalid --gateway "${gateway}": expected an IPv4 address`);
  }
  const gatewayValue = gateway.split(".").map(Number).reduce((value, octet) => value * 256 + octet, 0);
  if (gatewayValue <= start || gatewayValue >= start + 2 ** (32 - prefix) - 1) throw new MinicError(`invalid --gateway "${gateway}": not a host address of ${subnet}`);
  // Linux names a bridge in at most 15 characters: mnc- and 11 of the name's hash.
  const bridge = `mnc-${Bun.hash(name).toString(16).padStart(11, "0").slice(0, 11)}`;
  const info: NetworkInfo = { name, bridge, subnet, gateway, internal: options.internal };
  mkdirSync(networksDir(root), { recursive: true, mode: 0o700 });
  const partial = `${conflistPath(root, name)}.partial-${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(networkList(root, info), null, 2)}\n`);
  renameSync(partial, conflistPath(root, name));
  return info;
}

/** The network's configuration, its bridge (if made) and its addresses' leases go. */
export function removeNetwork(root: string, info: NetworkInfo): void {
  Bun.spawnSync(["ip", "link", "delete", info.bridge], { stdout: "ignore", stderr: "ignore" });
  rmSync(join(ipamDir(root), info.name), { recursive: true, force: true });
  rmSync(conflistPath(root, info.name), { force: true });
}
