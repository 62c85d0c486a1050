import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, findNetwork, listNetworks, networkList } from "../../src/network/networks.ts";

const root = mkdtempSync(join(tmpdir(), "minic-networks-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("user networks' configuration", () => {
  test("the first free /24 from 10.90.0.0, its first address the gateway; a conflist of bridge, portmap and firewall", () => {
    const first = createNetwork(root, "one", { subnets: [], gateways: [], ipv6: false, internal: false });
    const second = createNetwork(root, "two", { subnets: [], gateways: [], ipv6: false, internal: true });
    expect([first.subnet, first.gateway, second.subnet, second.internal]).toEqual(["10.90.0.0/24", "10.90.0.1", "10.90.1.0/24", true]);
    expect(first.bridge).toMatch(/^mnc-[0-9a-f]{11}$/);
    expect(findNetwork(root, "two")).toEqual(second);
    expect(listNetworks(root).map((network) => network.name)).toEqual(["minic", "one", "two"]);
    const list = networkList(root, second, false);
    expect(list.plugins.map((plugin) => plugin.type)).toEqual(["bridge", "firewall"]);
    expect(list.plugins[0]).toMatchObject({ bridge: second.bridge, ipMasq: false, ipam: { routes: [] } });
    expect(networkList(root, first).plugins.map((plugin) => plugin.type)).toEqual(["bridge", "portmap", "firewall"]);
    // What the host routes already is passed over, as Docker passes it over; a default route is no network.
    const third = createNetwork(root, "three", { subnets: [], gateways: [], ipv6: false, internal: false, hostRoutes: ["0.0.0.0/0", "10.90.2.0/23", "10.90.4.7/32"] });
    expect(third.subnet).toBe("10.90.5.0/24");
  });

  test("subnets and gateways are checked: overlaps, misaligned starts, gateways outside", () => {
    expect(() => createNetwork(root, "a", { subnets: ["10.90.0.128/25"], gateways: [], ipv6: false, internal: false })).toThrow("subnet 10.90.0.128/25 overlaps network one's 10.90.0.0/24");
    expect(() => createNetwork(root, "b", { subnets: ["10.95.0.1/24"], gateways: [], ipv6: false, internal: false })).toThrow("10.95.0.1 is not the start of a /24");
    expect(() => createNetwork(root, "c", { subnets: ["10.95.0.0/24"], gateways: ["10.96.0.1"], ipv6: false, internal: false })).toThrow("not a host address of 10.95.0.0/24");
    expect(() => createNetwork(root, "d", { subnets: ["10.95.0.0/24"], gateways: ["10.95.0.255"], ipv6: false, internal: false })).toThrow("not a host address");
    expect(() => createNetwork(root, "one", { subnets: [], gateways: [], ipv6: false, internal: false })).toThrow("network one exists");
    expect(createNetwork(root, "e", { subnets: ["10.95.0.0/24"], gateways: ["10.95.0.254"], ipv6: false, internal: false }).gateway).toBe("10.95.0.254");
  });

  test("IPv6 with --ipv6 or an IPv6 --subnet: a unique local /64 by default, its first address the gateway; checked like IPv4", () => {
    const v6 = createNetwork(root, "six", { subnets: [], gateways: [], ipv6: true, internal: false });
    expect(v6.subnet6).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
    expect(v6.gateway6).toBe(`${v6.subnet6?.split("/")[0]}1`);
    const list = networkList(root, v6, false);
    expect(list.plugins[0]).toMatchObject({ ipam: { ranges: [[{ subnet: v6.subnet }], [{ subnet: v6.subnet6, gateway: v6.gateway6 }]], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] } });
    expect(findNetwork(root, "six")).toEqual(v6);
    const given = createNetwork(root, "given", { subnets: ["10.97.0.0/24", "FD00:0:0:97:0:0:0:0/64"], gateways: ["fd00::97:0:0:0:fe"], ipv6: false, internal: false });
    expect([given.subnet6, given.gateway6]).toEqual(["fd00:0:0:97::/64", "fd00:0:0:97::fe"]);
    expect(() => createNetwork(root, "f", { subnets: ["fd00:0:0:97::/80"], gateways: [], ipv6: true, internal: false })).toThrow("subnet fd00:0:0:97::/80 overlaps network given's fd00:0:0:97::/64");
    expect(() => createNetwork(root, "g", { subnets: ["fd00::1/64"], gateways: [], ipv6: true, internal: false })).toThrow("fd00::1 is not the start of a /64");
    expect(() => createNetwork(root, "h", { subnets: ["fd00:1::/64"], gateways: ["fd00:2::1"], ipv6: true, internal: false })).toThrow("not a host address of fd00:1::/64");
    expect(() => createNetwork(root, "i", { subnets: ["fd00:1::/64", "fd00:2::/64"], gateways: [], ipv6: true, internal: false })).toThrow("--subnet is given at most once per address family");
    expect(() => createNetwork(root, "j", { subnets: ["fd00:1:::/64"], gateways: [], ipv6: true, internal: false })).toThrow("expected an IPv6 network");
    expect(() => createNetwork(root, "k", { subnets: [], gateways: ["fd00:1::1"], ipv6: true, internal: false })).toThrow("--gateway needs the --subnet it is in");
  });
});
