import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, findNetwork, listNetworks, networkList } from "../../src/network/networks.ts";

const root = mkdtempSync(join(tmpdir(), "minic-networks-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("user networks' configuration", () => {
  test("the first free /24 from 10.90.0.0, its first address the gateway; a conflist of bridge, portmap and firewall", () => {
    const first = createNetwork(root, "one", { subnet: null, gateway: null, internal: false });
    const second = createNetwork(root, "two", { subnet: null, gateway: null, internal: true });
    expect([first.subnet, first.gateway, second.subnet, second.internal]).toEqual(["10.90.0.0/24", "10.90.0.1", "10.90.1.0/24", true]);
    expect(first.bridge).toMatch(/^mnc-[0-9a-f]{11}$/);
    expect(findNetwork(root, "two")).toEqual(second);
    expect(listNetworks(root).map((network) => network.name)).toEqual(["minic", "one", "two"]);
    const list = networkList(root, second, false);
    expect(list.plugins.map((plugin) => plugin.type)).toEqual(["bridge", "firewall"]);
    expect(list.plugins[0]).toMatchObject({ bridge: second.bridge, ipMasq: false, ipam: { routes: [] } });
    expect(networkList(root, first).plugins.map((plugin) => plugin.type)).toEqual(["bridge", "portmap", "firewall"]);
  });

  test("subnets and gateways are checked: overlaps, misaligned starts, gateways outside", () => {
    expect(() => createNetwork(root, "a", { subnet: "10.90.0.128/25", gateway: null, internal: false })).toThrow("subnet 10.90.0.128/25 overlaps network one's 10.90.0.0/24");
    expect(() => createNetwork(root, "b", { subnet: "10.95.0.1/24", gateway: null, internal: false })).toThrow("10.95.0.1 is not the start of a /24");
    expect(() => createNetwork(root, "c", { subnet: "10.95.0.0/24", gateway: "10.96.0.1", internal: false })).toThrow("not a host address of 10.95.0.0/24");
    expect(() => createNetwork(root, "d", { subnet: "10.95.0.0/24", gateway: "10.95.0.255", internal: false })).toThrow("not a host address");
    expect(() => createNetwork(root, "one", { subnet: null, gateway: null, internal: false })).toThrow("network one exists");
    expect(createNetwork(root, "e", { subnet: "10.95.0.0/24", gateway: "10.95.0.254", internal: false }).gateway).toBe("10.95.0.254");
  });
});
