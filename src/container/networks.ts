// The runtime side of `minic network`: user networks made, listed, shown and removed, the last
// refused while a container is on one.
import { MinicError } from "../errors.ts";
import { createNetwork, DEFAULT_NETWORK, findNetwork, listNetworks, removeNetwork, type NetworkOptions } from "../network/networks.ts";
import type { Spec } from "../spec/types.ts";
import { listRecords, readSpec, stateRoot } from "../state/store.ts";
import { requireRoot } from "./privileges.ts";
import { observed } from "./observed.ts";
import { holdsNetwork, primaryNetwork, readConnections } from "./network.ts";
import { isolate } from "../network/isolation.ts";

export function createUserNetwork(name: string, options: NetworkOptions): string {
  requireRoot("minic network");
  const root = stateRoot();
  const network = createNetwork(root, name, { ...options, hostRoutes: hostRoutes() });
  try {
    isolate(network.bridge);
  } catch (error) {
    // Not isolated, not made: its configuration and whatever of its rules were made go.
    removeNetwork(root, network);
    throw error;
  }
  return network.name;
}

/** The IPv4 networks the host routes now, as CIDR (`ip -4 route`'s destinations). */
function hostRoutes(): string[] {
  const shown = Bun.spawnSync(["ip", "-4", "-o", "route", "show", "table", "all"], { stdout: "pipe", stderr: "ignore" }).stdout.toString();
  return shown.split("\n").map((line) => line.split(/\s+/)[0] ?? "").filter((destination) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(destination)).map((destination) => (destination.includes("/") ? destination : `${destination}/32`));
}

export function networkTable(): string[] {
  requireRoot("minic network");
  const rows = [["NAME", "SUBNET", "GATEWAY", "BRIDGE", "INTERNAL", "IPV6"], ...listNetworks(stateRoot()).map((n) => [n.name, n.subnet, n.gateway, n.bridge, String(n.internal), n.subnet6 ?? "-"])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join(""));
}

/** The containers (running or created) on a network, by name. */
function members(root: string, name: string): string[] {
  return listRecords(root).flatMap((entry) => {
    // Running, created, or still holding its network (a killed run, not yet removed).
    if (entry.kind !== "ok" || (observed(entry.record).status === "stopped" && !holdsNetwork(root, entry.record.id))) return [];
    try {
      const annotations = (readSpec(root, entry.record.id) as Pick<Spec, "annotations">).annotations;
      const on = primaryNetwork(annotations) === name || readConnections(root, entry.record.id).some((c) => c.network === name);
      return on ? [entry.record.name] : [];
    } catch {
      return [];
    }
  });
}

export function inspectNetworks(names: string[]): Record<string, unknown>[] {
  requireRoot("minic network");
  const root = stateRoot();
  return names.map((asked) => {
    // `bridge` names the default network, as in run, connect and disconnect.
    const name = asked === "bridge" ? DEFAULT_NETWORK : asked;
    const network = findNetwork(root, name);
    const config = [{ Subnet: network.subnet, Gateway: network.gateway }, ...(network.subnet6 === null ? [] : [{ Subnet: network.subnet6, Gateway: network.gateway6 ?? "" }])];
    return { Name: network.name, Driver: "bridge", EnableIPv6: network.subnet6 !== null, Internal: network.internal, IPAM: { Config: config }, Options: { bridge: network.bridge }, Containers: members(root, name) };
  });
}

export function removeUserNetworks(names: string[]): string[] {
  requireRoot("minic network");
  const root = stateRoot();
  const networks = names.map((name) => {
    if (name === DEFAULT_NETWORK || name === "bridge") throw new MinicError(`network ${name} is minic's default and cannot be removed`);
    return findNetwork(root, name);
  });
  for (const network of networks) {
    const using = members(root, network.name);
    if (using.length > 0) throw new MinicError(`network ${network.name} is in use by ${using.join(", ")}`, undefined, "stop or remove them first");
  }
  for (const network of networks) removeNetwork(root, network);
  return names;
}
