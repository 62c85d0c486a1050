// --network bridge: a network namespace of the container's own on bridge minic0, set up with the
// CNI plugins, and nothing of it left (veth, namespace file, address lease, rules) once the
// container is gone, on every path. Only private addresses of this machine are used.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { isolatedContainers, minic, ROOTFS, waitFor } from "../support/minic.ts";

const stateRoot = isolatedContainers("network");

/** This file's containers' traces: veths on minic0, namespace files and address leases of its ids. */
function traces(ids: string[]): string[] {
  const found: string[] = [];
  const netns = existsSync("/run/netns") ? readdirSync("/run/netns") : [];
  for (const id of ids) if (netns.includes(`minic-${id.slice(0, 12)}`)) found.push(`netns ${id.slice(0, 12)}`);
  const leases = join(stateRoot(), "cni", "ipam", "minic");
  if (existsSync(leases)) {
    for (const file of readdirSync(leases)) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(file) && ids.some((id) => readFileSync(join(leases, file), "utf8").startsWith(id))) found.push(`lease ${file}`);
    }
  }
  const rules = Bun.spawnSync(["iptables-save"]).stdout.toString().split("\n");
  for (const id of ids) if (rules.some((rule) => rule.includes(id))) found.push(`rules ${id.slice(0, 12)}`);
  return found;
}

const idOf = (name: string) => readlinkSync(join(stateRoot(), "names", name));

describe("--network bridge", () => {
  test("an address on minic0, the default route through it, the host reachable at its gateway; nothing left after", async () => {
    const r = await minic(["run", "--rm", "--name", "b1", "--network", "bridge", "--add-host", "hostside:host-gateway", "--rootfs", ROOTFS, "sh", "-c",
      "ip -4 -o addr show eth0 | awk '{print $4}'; ip route | head -1; ping -c1 -W2 10.89.0.1 >/dev/null && echo gateway-answers; grep hostside /etc/hosts; ls /sys/class/net | tr '\\n' ' '"], stateRoot());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const [address, route, gateway, hosts, links] = r.stdout.split("\n");
    expect(address).toMatch(/^10\.89\.\d+\.\d+\/16$/);
    expect(route).toBe("default via 10.89.0.1 dev eth0 ");
    expect(gateway).toBe("gateway-answers");
    expect(hosts).toBe("10.89.0.1\thostside");
    // Only its own interfaces: nothing of the host's.
    expect(links).toBe("eth0 lo ");
    const leases = join(stateRoot(), "cni", "ipam", "minic");
    expect(readdirSync(leases).filter((file) => /^10\./.test(file))).toEqual([]);
    expect(Bun.spawnSync(["ip", "-o", "link", "show", "master", "minic0"]).stdout.toString()).toBe("");
  });

  test("a host service bound to 127.0.0.1 is out of reach; two containers reach each other", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open(socket) { socket.write("secret\n"); socket.end(); } } });
    try {
      const fromHostNetwork = await minic(["run", "--rm", "--rootfs", ROOTFS, "sh", "-c", `nc -w 2 127.0.0.1 ${server.port} </dev/null`], stateRoot());
      expect(fromHostNetwork.stdout).toBe("secret\n"); // the probe works where the service is reachable
      const fromBridge = await minic(["run", "--rm", "--network", "bridge", "--rootfs", ROOTFS, "sh", "-c", `nc -w 2 127.0.0.1 ${server.port} </dev/null; echo done`], stateRoot());
      expect(fromBridge.stdout).toBe("done\n");
    } finally {
      server.stop(true);
    }
    await minic(["run", "-d", "--name", "peer", "--network", "bridge", "--rootfs", ROOTFS, "sleep", "30"], stateRoot());
    const peerAddress = (await minic(["exec", "peer", "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1"], stateRoot())).stdout.trim();
    expect(peerAddress).toMatch(/^10\.89\./);
    const ping = await minic(["run", "--rm", "--network", "bridge", "--rootfs", ROOTFS, "ping", "-c1", "-W2", peerAddress], stateRoot());
    expect(ping.code).toBe(0);
    const peer = idOf("peer");
    expect(traces([peer]).filter((trace) => trace.startsWith("netns"))).toEqual([`netns ${peer.slice(0, 12)}`]);
    expect((await minic(["rm", "-f", "peer"], stateRoot())).code).toBe(0);
    expect(traces([peer])).toEqual([]);
  });

  test("a detached container's network goes when it exits; a failed start leaves none", async () => {
    await minic(["run", "-d", "--name", "short", "--network", "bridge", "--rootfs", ROOTFS, "sleep", "0.3"], stateRoot());
    const short = idOf("short");
    expect(traces([short]).length).toBeGreaterThan(0);
    await minic(["wait", "short"], stateRoot());
    await waitFor(() => traces([short]).length === 0);
    const before = existsSync("/run/netns") ? readdirSync("/run/netns").length : 0;
    const failed = await minic(["run", "--rm", "--network", "bridge", "--rootfs", ROOTFS, "/no/such/command"], stateRoot());
    expect(failed.code).toBe(127);
    expect(existsSync("/run/netns") ? readdirSync("/run/netns").length : 0).toBe(before);
    expect(readdirSync(join(stateRoot(), "cni", "ipam", "minic")).filter((file) => /^10\./.test(file))).toEqual([]);
  });
});
