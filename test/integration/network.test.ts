// --network bridge: a network namespace of the container's own on bridge minic0, set up with the
// CNI plugins, and nothing of it left (veth, namespace file, address lease, rules) once the
// container is gone, on every path. Only private addresses of this machine are used.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isolatedContainers, MINIC, minic, networkTraces, REPO, ROOTFS, sharedLeases, waitFor, withCgroupParent } from "../support/minic.ts";
import { testProgram } from "../support/probe.ts";

const stateRoot = isolatedContainers("network");

const traces = (ids: string[]) => networkTraces(stateRoot(), ids);

const idOf = (name: string) => readlinkSync(join(stateRoot(), "names", name));

/** A TCP port free on the host now. */
function freePort(): number {
  const listener = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

const HTTPD = ["sh", "-c", "mkdir -p /www && echo hello-from-httpd > /www/index.html && exec httpd -f -p 80 -h /www"];

async function fetchText(url: string): Promise<string> {
  for (let tries = 0; tries < 50; tries++) {
    try {
      return await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
    } catch {
      await Bun.sleep(100);
    }
  }
  return "";
}

describe("published ports", () => {
  test("-p HOSTPORT:80 answers on the host's loopback and its own address; port lists it; a second -p of it is refused; nothing left after", async () => {
    const port = freePort();
    const started = await minic(["run", "-d", "--name", "web", "--network", "bridge", "-p", `${port}:80`, "--rootfs", ROOTFS, ...HTTPD], stateRoot());
    expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await fetchText(`http://127.0.0.1:${port}/`)).toBe("hello-from-httpd\n");
    const hostAddress = Bun.spawnSync(["sh", "-c", "ip -4 -o route get 192.0.2.200 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'"]).stdout.toString().trim();
    if (hostAddress !== "") expect(await fetchText(`http://${hostAddress}:${port}/`)).toBe("hello-from-httpd\n");
    expect((await minic(["port", "web"], stateRoot())).stdout).toBe(`80/tcp -> 0.0.0.0:${port}\n`);
    expect((await minic(["inspect", "-f", "{{json .NetworkSettings.Ports}}", "web"], stateRoot())).stdout).toBe(`{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${port}"}]}\n`);
    expect((await minic(["ps", "--format", "{{.Names}} {{.Ports}}"], stateRoot())).stdout).toBe(`web 0.0.0.0:${port}->80/tcp\n`);
    const again = await minic(["run", "--rm", "--network", "bridge", "-p", `${port}:80`, "--rootfs", ROOTFS, "true"], stateRoot());
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 125, stderr: `minic: port ${port}/tcp is already published by another container\n` });
    const id = idOf("web");
    await minic(["rm", "-f", "web"], stateRoot());
    expect(Bun.spawnSync(["iptables-save"]).stdout.toString().includes(`${port}`)).toBe(false);
    expect(traces([id])).toEqual([]);
  });

  test("-p 80 takes a free host port; -P publishes what the image exposes; -p without bridge is refused", async () => {
    await minic(["run", "-d", "--name", "any", "--network", "bridge", "-p", "80", "--rootfs", ROOTFS, ...HTTPD], stateRoot());
    const line = (await minic(["port", "any", "80"], stateRoot())).stdout.trim();
    expect(line).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(await fetchText(`http://127.0.0.1:${line.split(":")[1]}/`)).toBe("hello-from-httpd\n");
    const exposed = join(stateRoot(), "exposed-rootfs");
    expect(Bun.spawnSync(["cp", "-a", ROOTFS, exposed]).exitCode).toBe(0);
    await Bun.write(join(exposed, ".minic-rootfs"), JSON.stringify({ image: "sha256:x", dockerfile: "D", built: "2026-11-24T00:00:00Z", config: { Cmd: HTTPD, ExposedPorts: { "80/tcp": {} } } }));
    await minic(["run", "-d", "--name", "all", "--network", "bridge", "-P", "--rootfs", exposed], stateRoot());
    const published = (await minic(["port", "all"], stateRoot())).stdout;
    expect(published).toMatch(/^80\/tcp -> 0\.0\.0\.0:\d+\n$/);
    expect(await fetchText(`http://127.0.0.1:${published.trim().split(":")[1]}/`)).toBe("hello-from-httpd\n");
    const refused = await minic(["run", "--rm", "--network", "host", "-p", "80", "--rootfs", ROOTFS, "true"], stateRoot());
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 125, stderr: "minic: published ports need the bridge or a user network, not --network host: with the host's network a container's ports are the host's already\n" });
    const unreachable = await minic(["run", "--rm", "--network", "none", "-P", "--rootfs", ROOTFS, "true"], stateRoot());
    expect({ code: unreachable.code, stderr: unreachable.stderr }).toEqual({ code: 125, stderr: "minic: published ports need the bridge or a user network, not --network none: nothing could reach them\n" });
    const bad = await minic(["run", "--rm", "--network", "bridge", "-p", "99999", "--rootfs", ROOTFS, "true"], stateRoot());
    expect(bad.stderr).toBe('minic: invalid -p "99999": the container port "99999" is not a port or a range of ports\n');
    // Each said for what it is (once all "already in use", or Bun's own words).
    const port = freePort();
    const refusals: [string[], string][] = [
      [["-p", `999.1.1.1:${port}:80`], `invalid -p "999.1.1.1:${port}:80": "999.1.1.1" is not an IPv4 address`],
      [["-p", `192.0.2.123:${port}:80`], "cannot publish on 192.0.2.123: it is not an address of this host"],
      [["-p", "192.0.2.123::80"], "cannot publish on 192.0.2.123: it is not an address of this host"],
      [["-p", `${port}:80`, "-p", `${port}:81`], `port ${port}/tcp is published twice by this container`],
    ];
    for (const [flags, message] of refusals) {
      const r = await minic(["run", "--rm", ...flags, "--rootfs", ROOTFS, "true"], stateRoot());
      expect({ flags, code: r.code, stderr: r.stderr }).toEqual({ flags, code: 125, stderr: `minic: ${message}\n` });
    }
  });

  test("runs that publish the same port at once: one gets it; a SIGKILLed run's port is free again for the next run", async () => {
    const port = freePort();
    const racers = ["race1", "race2", "race3"];
    const raced = await Promise.all(racers.map((name) => minic(["run", "-d", "--name", name, "-p", `${port}:80`, "--rootfs", ROOTFS, "sleep", "30"], stateRoot())));
    expect(raced.filter((r) => r.code === 0).length).toBe(1);
    for (const r of raced.filter((result) => result.code !== 0)) expect(r.stderr).toBe(`minic: port ${port}/tcp is already published by another container\n`);
    expect(Bun.spawnSync(["iptables-save", "-t", "nat"]).stdout.toString().split("\n").filter((rule) => rule.includes(`--dports ${port} `)).length).toBe(1);
    await minic(["rm", "-f", ...racers.filter((_, i) => raced[i]?.code === 0)], stateRoot());
    // A foreground run killed with SIGKILL keeps its port until a command takes its network back: the next run does.
    const child = Bun.spawn([MINIC, ...withCgroupParent(["run", "--name", "killed", "-p", `${port}:80`, "--rootfs", ROOTFS, "sleep", "30"])], { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "ignore", stderr: "ignore" });
    await waitFor(() => existsSync(join(stateRoot(), "names")) && readdirSync(join(stateRoot(), "names")).includes("killed") && traces([idOf("killed")]).some((trace) => trace.startsWith("netns")));
    await waitFor(() => (Bun.spawnSync(["iptables-save", "-t", "nat"]).stdout.toString().includes(`--dports ${port} `)));
    child.kill("SIGKILL");
    await child.exited;
    const next = await minic(["run", "--rm", "-p", `${port}:80`, "--rootfs", ROOTFS, "true"], stateRoot());
    expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: "" });
    expect(traces([idOf("killed")])).toEqual([]);
    expect((await minic(["ps", "-a", "--format", "{{.Names}} {{.Status}}"], stateRoot())).stdout).toMatch(/^killed Exited/);
  }, 30_000);
});

describe("--network bridge", () => {
  test("an address on minic0, the default route through it, the host reachable at its gateway; nothing left after", async () => {
    const leasesBefore = sharedLeases();
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
    // Its lease (in the host's directory of the default network's leases) went with it.
    expect(sharedLeases().filter((file) => !leasesBefore.includes(file))).toEqual([]);
    expect(Bun.spawnSync(["ip", "-o", "link", "show", "master", "minic0"]).stdout.toString()).toBe("");
  });

  test("a raw packet from a default container to the host's 127.0.0.1 is dropped, though portmap opened the bridge to it (CVE-2020-8558)", async () => {
    const sender = testProgram("localnet", join(REPO, ".cache"));
    // A published port: portmap sets route_localnet on the bridge, so that the host's own
    // 127.0.0.1:PORT reaches the container; the bridge would then route 127.0.0.1 from it.
    expect((await minic(["run", "--rm", "-p", "80", "--rootfs", ROOTFS, "true"], stateRoot())).code).toBe(0);
    expect(readFileSync("/proc/sys/net/ipv4/conf/minic0/route_localnet", "utf8").trim()).toBe("1");
    const received: string[] = [];
    const listen = (hostname: string) => Bun.udpSocket({ hostname, socket: { data(_socket, data) { received.push(`${hostname} ${data.toString()}`); } } });
    const [loopback, control] = await Promise.all([listen("127.0.0.1"), listen("0.0.0.0")]);
    try {
      const mac = readFileSync("/sys/class/net/minic0/address", "utf8").trim();
      const script = `source=$(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1); gateway=$(ip route | awk '/default/{print $3}');
        /localnet ${mac} $source 127.0.0.1 ${loopback.port} && /localnet ${mac} $source $gateway ${control.port}`;
      const r = await minic(["run", "--rm", "-v", `${sender}:/localnet:ro`, "--rootfs", ROOTFS, "sh", "-c", script], stateRoot());
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      await waitFor(() => received.length > 0, 2000);
      await Bun.sleep(300);
      // The same sender reaches the host at the gateway (so the test can fail), never its loopback.
      expect(received).toEqual(["0.0.0.0 minic-localnet-probe\0"]);
    } finally {
      loopback.close();
      control.close();
    }
  });

  test("a default container reaches no host service bound to 127.0.0.1 and sees no host interface; two containers reach each other", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open(socket) { socket.write("secret\n"); socket.end(); } } });
    try {
      const fromHostNetwork = await minic(["run", "--rm", "--network", "host", "--rootfs", ROOTFS, "sh", "-c", `nc -w 2 127.0.0.1 ${server.port} </dev/null`], stateRoot());
      expect(fromHostNetwork.stdout).toBe("secret\n"); // the probe works where the service is reachable
      // Traffic on the host's loopback is not on a default container's: its lo counts none of it.
      const loopbackPackets = `sed -n 's/^ *lo: *[0-9]* *\\([0-9]*\\).*/\\1/p' /proc/net/dev`;
      const sniff = (network: string[]) => minic(["run", "--rm", ...network, "--rootfs", ROOTFS, "sh", "-c", `${loopbackPackets}; sleep 1; ${loopbackPackets}`], stateRoot());
      const [hostLo, defaultLo] = await Promise.all([sniff(["--network", "host"]), sniff([]), (async () => {
        await Bun.sleep(400);
        const sink = await Bun.udpSocket({ hostname: "127.0.0.1" });
        const udp = await Bun.udpSocket({});
        for (let i = 0; i < 100; i++) udp.send("minic-loopback-probe", sink.port, "127.0.0.1");
        udp.close();
        sink.close();
      })()]);
      const counts = (text: string) => text.trim().split("\n").map(Number);
      const [hostBefore = 0, hostAfter = 0] = counts(hostLo.stdout);
      expect(hostAfter - hostBefore).toBeGreaterThanOrEqual(100); // the probe sees the host's loopback from there
      const [before, after] = counts(defaultLo.stdout);
      expect(after).toBe(before);
      // No --network: the default.
      const fromDefault = await minic(["run", "--rm", "--rootfs", ROOTFS, "sh", "-c", `nc -w 2 127.0.0.1 ${server.port} </dev/null; echo done; ls /sys/class/net | tr '\\n' ' '; cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' | sort | tr '\\n' ' '`], stateRoot());
      expect(fromDefault.stdout).toBe("done\neth0 lo eth0 lo ");
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

  test("containers of two state roots on the default network at once get different addresses (one lease directory for minic0)", async () => {
    const other = join(stateRoot(), "other-root");
    const address = async (root: string, name: string) => (await minic(["exec", name, "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}'"], root)).stdout.trim();
    try {
      for (const root of [stateRoot(), other]) expect((await minic(["run", "-d", "--name", "twin", "--rootfs", ROOTFS, "sleep", "30"], root)).code).toBe(0);
      const [mine, theirs] = [await address(stateRoot(), "twin"), await address(other, "twin")];
      expect(mine).toMatch(/^10\.89\./);
      expect(theirs).not.toBe(mine);
    } finally {
      await minic(["rm", "-f", "twin"], other);
    }
  });

  test("a detached container's network goes when it exits; a failed start leaves none", async () => {
    await minic(["run", "-d", "--name", "short", "--network", "bridge", "--rootfs", ROOTFS, "sleep", "0.3"], stateRoot());
    const short = idOf("short");
    expect(traces([short]).length).toBeGreaterThan(0);
    await minic(["wait", "short"], stateRoot());
    await waitFor(() => traces([short]).length === 0);
    const before = existsSync("/run/netns") ? readdirSync("/run/netns").length : 0;
    const leasesBefore = sharedLeases();
    const failed = await minic(["run", "--rm", "--network", "bridge", "--rootfs", ROOTFS, "/no/such/command"], stateRoot());
    expect(failed.code).toBe(127);
    expect(existsSync("/run/netns") ? readdirSync("/run/netns").length : 0).toBe(before);
    expect(sharedLeases().filter((file) => !leasesBefore.includes(file))).toEqual([]);
  });
});

describe("recovery", () => {
  test("a foreground run on the bridge whose minic is killed: the container dies with it, and rm takes its network back", async () => {
    const child = Bun.spawn([MINIC, "run", "--name", "orphan", "--network", "bridge", "--rootfs", ROOTFS, "sleep", "30"], { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "ignore", stderr: "ignore" });
    await waitFor(() => existsSync(join(stateRoot(), "names")) && readdirSync(join(stateRoot(), "names")).includes("orphan"));
    const id = idOf("orphan");
    await waitFor(() => traces([id]).length > 0);
    await Bun.sleep(200);
    child.kill("SIGKILL");
    await child.exited;
    expect(traces([id]).length).toBeGreaterThan(0);
    expect((await minic(["ps", "-a", "--format", "{{.Names}} {{.State}}"], stateRoot())).stdout).toBe("orphan exited\n");
    expect((await minic(["rm", "orphan"], stateRoot())).code).toBe(0);
    expect(traces([id])).toEqual([]);
  });
});

describe("user networks", () => {
  test("create, ls, inspect; containers on one reach each other by name and alias, their hosts kept current; rm refused while in use, then clean", async () => {
    const net = `t${process.pid}`;
    expect((await minic(["network", "create", "--subnet", "10.91.0.0/24", net], stateRoot())).stdout).toBe(`${net}\n`);
    const bridge = (JSON.parse((await minic(["network", "inspect", net], stateRoot())).stdout) as { Options: { bridge: string } }[])[0]?.Options.bridge ?? "";
    expect(bridge).toMatch(/^mnc-[0-9a-f]{11}$/);
    try {
      expect((await minic(["network", "ls"], stateRoot())).stdout).toMatch(new RegExp(`\\n${net} +10\\.91\\.0\\.0/24 +10\\.91\\.0\\.1 +mnc-`));
      await minic(["run", "-d", "--name", "db", "--network", net, "--network-alias", "database", "--rootfs", ROOTFS, ...HTTPD], stateRoot());
      const web = await minic(["run", "--rm", "--name", "web", "--network", net, "--rootfs", ROOTFS, "sh", "-c",
        "ping -c1 -W2 db >/dev/null && echo by-name; ping -c1 -W2 database >/dev/null && echo by-alias; ip -4 -o addr show eth0 | awk '{print $4}'; " +
        "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://database/ 2>/dev/null && break; sleep 0.2; done"], stateRoot());
      expect({ code: web.code, stderr: web.stderr }).toEqual({ code: 0, stderr: "" });
      expect(web.stdout).toMatch(/^by-name\nby-alias\n10\.91\.0\.\d+\/24\nhello-from-httpd\n$/);
      // web has gone: db's hosts no longer names it.
      const hosts = (await minic(["exec", "db", "cat", "/etc/hosts"], stateRoot())).stdout;
      expect(hosts).toMatch(new RegExp(`10\\.91\\.0\\.\\d+\\tdb database\\n# minic: end of network ${net}\\n$`));
      expect(hosts).not.toContain("\tweb");
      const [inspected] = JSON.parse((await minic(["network", "inspect", net], stateRoot())).stdout) as { Containers: string[]; IPAM: { Config: { Subnet: string }[] } }[];
      expect(inspected).toMatchObject({ Containers: ["db"], IPAM: { Config: [{ Subnet: "10.91.0.0/24" }] } });
      const busy = await minic(["network", "rm", net], stateRoot());
      expect({ code: busy.code, stderr: busy.stderr }).toEqual({ code: 125, stderr: `minic: network ${net} is in use by db (stop or remove them first)\n` });
      const db = idOf("db");
      await minic(["rm", "-f", "db"], stateRoot());
      expect(traces([db])).toEqual([]);
    } finally {
      await minic(["network", "rm", net], stateRoot());
    }
    expect((await minic(["network", "ls"], stateRoot())).stdout).not.toContain(net);
    // Its bridge went with it (another minic's networks are theirs).
    expect(Bun.spawnSync(["ip", "link", "show", bridge]).exitCode).not.toBe(0);
  });

  test("--ipv6: each container gets an address in the network's IPv6 subnet too, and reaches its peers over it", async () => {
    const net = `v${process.pid}`;
    const created = await minic(["network", "create", "--ipv6", "--subnet", "10.98.0.0/24", "--subnet", "fd00:98::/64", net], stateRoot());
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: "" });
    try {
      const [inspected] = JSON.parse((await minic(["network", "inspect", net], stateRoot())).stdout) as { EnableIPv6: boolean; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
      expect(inspected).toMatchObject({ EnableIPv6: true, IPAM: { Config: [{ Subnet: "10.98.0.0/24" }, { Subnet: "fd00:98::/64", Gateway: "fd00:98::1" }] } });
      await minic(["run", "-d", "--name", "six", "--network", net, "--rootfs", ROOTFS, "sleep", "30"], stateRoot());
      const address = (await minic(["inspect", "-f", "{{.NetworkSettings.GlobalIPv6Address}}", "six"], stateRoot())).stdout.trim();
      expect(address).toMatch(/^fd00:98::[0-9a-f]+$/);
      const ping = await minic(["run", "--rm", "--network", net, "--rootfs", ROOTFS, "sh", "-c", `ip -6 route | grep ^default; ping -6 -c1 -W2 ${address} >/dev/null && echo reaches-six`], stateRoot());
      expect(ping.stdout).toMatch(/^default via fd00:98::1 dev eth0 .*\nreaches-six\n$/);
      const six = idOf("six");
      await minic(["rm", "-f", "six"], stateRoot());
      expect(traces([six])).toEqual([]);
    } finally {
      await minic(["network", "rm", net], stateRoot());
    }
  });

  test("bad input: an unknown network, an overlapping subnet, a reserved or taken name, an alias without a user network", async () => {
    const unknown = await minic(["run", "--rm", "--network", "nosuchnet", "--rootfs", ROOTFS, "true"], stateRoot());
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 125, stderr: "minic: no such network: nosuchnet (see 'minic network ls')\n" });
    const overlap = await minic(["network", "create", "--subnet", "10.89.1.0/24", "clash"], stateRoot());
    expect(overlap.stderr).toBe("minic: subnet 10.89.1.0/24 overlaps network minic's 10.89.0.0/16\n");
    expect((await minic(["network", "create", "bridge"], stateRoot())).stderr).toBe('minic: network name "bridge" is reserved\n');
    // `bridge` names the default network everywhere; a name that only starts like a mode is a name.
    expect((await minic(["network", "rm", "bridge"], stateRoot())).stderr).toBe("minic: network bridge is minic's default and cannot be removed\n");
    expect(JSON.parse((await minic(["network", "inspect", "bridge"], stateRoot())).stdout)[0].Options.bridge).toBe("minic0");
    const alias = await minic(["run", "--rm", "--network-alias", "x", "--rootfs", ROOTFS, "true"], stateRoot());
    expect(alias.stderr).toBe("minic: --network-alias needs a user network (--network NAME), as in Docker\n");
    expect((await minic(["network", "rm", "minic"], stateRoot())).stderr).toBe("minic: network minic is minic's default and cannot be removed\n");
    // What review found: names lead nowhere outside minic's directory; gateways and aliases are checked.
    expect((await minic(["network", "rm", "../../etc/cni/net.d/x"], stateRoot())).stderr).toBe('minic: invalid network name "../../etc/cni/net.d/x": only [a-zA-Z0-9][a-zA-Z0-9_.-], at most 64 characters\n');
    expect((await minic(["network", "create", "--subnet", "10.92.0.0/24", "--gateway", "10.92.0.300", "g"], stateRoot())).stderr).toBe('minic: invalid --gateway "10.92.0.300": expected an IPv4 address\n');
    const newline = await minic(["run", "--rm", "--network", "x", "--network-alias", "a\nb", "--rootfs", ROOTFS, "true"], stateRoot());
    expect(newline.stderr).toBe('minic: invalid --network-alias "a\nb": expected a host name\n');
  });
});

describe("network connect and disconnect", () => {
  test("a running container gets the network as eth1 and its peers' names; stop and start keep it; disconnect takes it back; bad input is one line", async () => {
    const net = `c${process.pid}`;
    expect((await minic(["network", "create", "--subnet", "10.94.0.0/24", net], stateRoot())).code).toBe(0);
    try {
      await minic(["run", "-d", "--name", "app", "--rootfs", ROOTFS, "sleep", "60"], stateRoot());
      await minic(["run", "-d", "--name", "db", "--network", net, "--rootfs", ROOTFS, "sleep", "60"], stateRoot());
      const connected = await minic(["network", "connect", "--alias", "frontend", net, "app"], stateRoot());
      expect({ code: connected.code, stderr: connected.stderr }).toEqual({ code: 0, stderr: "" });
      const inside = await minic(["exec", "app", "sh", "-c", "ip -4 -o addr show eth1 | awk '{print $4}'; ip route | head -1; ping -c1 -W2 db >/dev/null && echo reaches-db"], stateRoot());
      expect(inside.stdout).toMatch(/^10\.94\.0\.\d+\/24\ndefault via 10\.89\.0\.1 dev eth0 \nreaches-db\n$/);
      expect((await minic(["exec", "db", "sh", "-c", "ping -c1 -W2 frontend >/dev/null && ping -c1 -W2 app >/dev/null && echo reaches-app"], stateRoot())).stdout).toBe("reaches-app\n");
      const networks = JSON.parse((await minic(["inspect", "-f", "{{json .NetworkSettings.Networks}}", "app"], stateRoot())).stdout) as Record<string, { IPAddress: string; Aliases: string[] }>;
      expect(Object.keys(networks)).toEqual(["bridge", net]);
      expect(networks[net]?.Aliases).toEqual(["frontend"]);
      expect(((JSON.parse((await minic(["network", "inspect", net], stateRoot())).stdout) as { Containers: string[] }[])[0]?.Containers ?? []).sort()).toEqual(["app", "db"]);
      // Stopped, its connection stays and is made again at start.
      await minic(["stop", "-t", "0", "app"], stateRoot());
      expect(readdirSync(join(stateRoot(), "cni", "ipam", net)).filter((file) => /^10\./.test(file))).toHaveLength(1);
      await minic(["start", "app"], stateRoot());
      expect((await minic(["exec", "app", "sh", "-c", "ip -4 -o addr show eth1 | wc -l"], stateRoot())).stdout.trim()).toBe("1");
      // Bad input.
      const again = await minic(["network", "connect", net, "app"], stateRoot());
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 125, stderr: `minic: container app is already connected to network ${net}\n` });
      const first = await minic(["network", "disconnect", "bridge", "app"], stateRoot());
      expect(first.stderr).toBe("minic: network minic is container app's first network, made with it: only networks connected later can be disconnected\n");
      await minic(["run", "-d", "--name", "hosted", "--network", "host", "--rootfs", ROOTFS, "sleep", "60"], stateRoot());
      expect((await minic(["network", "connect", net, "hosted"], stateRoot())).stderr).toBe("minic: container hosted has no network of its own (--network host, none or container:NAME): it cannot be connected to one\n");
      expect((await minic(["network", "connect", "nosuch", "app"], stateRoot())).stderr).toBe("minic: no such network: nosuch (see 'minic network ls')\n");
      expect((await minic(["network", "connect", "--alias", "a b", net, "app"], stateRoot())).stderr).toBe('minic: invalid --alias "a b": expected a host name\n');
      // Disconnected: the interface, the lease and its name in the peers' files go.
      const disconnected = await minic(["network", "disconnect", net, "app"], stateRoot());
      expect({ code: disconnected.code, stderr: disconnected.stderr }).toEqual({ code: 0, stderr: "" });
      expect((await minic(["exec", "app", "sh", "-c", "ls /sys/class/net | tr '\\n' ' '; grep -c minic: /etc/hosts"], stateRoot())).stdout).toBe("eth0 lo 0\n");
      expect((await minic(["exec", "db", "cat", "/etc/hosts"], stateRoot())).stdout).not.toContain("frontend");
      expect(readdirSync(join(stateRoot(), "cni", "ipam", net)).filter((file) => /^10\./.test(file))).toHaveLength(1);
      expect((await minic(["network", "disconnect", net, "app"], stateRoot())).stderr).toBe(`minic: container app is not connected to network ${net}\n`);
      // Connected again and removed with rm -f: nothing of it stays.
      await minic(["network", "connect", net, "app"], stateRoot());
      const app = idOf("app");
      await minic(["rm", "-f", "app", "db", "hosted"], stateRoot());
      expect(traces([app])).toEqual([]);
    } finally {
      await minic(["network", "rm", net], stateRoot());
    }
  });
});

describe("isolation between networks", () => {
  test("a user network's containers reach each other, not another network's or the default's, as Docker isolates its bridges; the rules go with the networks", async () => {
    const [left, right] = [`isol-${process.pid}`, `isor-${process.pid}`];
    const bridges: string[] = [];
    try {
      for (const net of [left, right]) expect((await minic(["network", "create", net], stateRoot())).code).toBe(0);
      for (const net of [left, right]) bridges.push(JSON.parse((await minic(["network", "inspect", net], stateRoot())).stdout)[0].Options.bridge);
      expect(Bun.spawnSync(["iptables", "-S", "MINIC-ISOLATION-STAGE-2"]).stdout.toString()).toContain(`-o ${bridges[0]} -j DROP`);
      const served = ["sh", "-c", "mkdir -p /w && echo private > /w/index.html && exec httpd -f -p 8080 -h /w"];
      await minic(["run", "-d", "--name", "server", "--network", right, "--rootfs", ROOTFS, ...served], stateRoot());
      await minic(["run", "-d", "--name", "plain", "--rootfs", ROOTFS, ...served], stateRoot());
      const address = async (name: string) => (await minic(["exec", name, "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1"], stateRoot())).stdout.trim();
      const [server, plain] = [await address("server"), await address("plain")];
      // busybox's wget -T crashes: timeout bounds it instead.
      const fetchFrom = (network: string[], url: string) => minic(["run", "--rm", ...network, "--rootfs", ROOTFS, "sh", "-c", `timeout 2 wget -q -O - ${url} 2>/dev/null || echo blocked`], stateRoot());
      expect((await fetchFrom(["--network", right], `http://server:8080/`)).stdout).toBe("private\n");
      expect((await fetchFrom(["--network", left], `http://${server}:8080/`)).stdout).toBe("blocked\n");
      expect((await fetchFrom(["--network", left], `http://${plain}:8080/`)).stdout).toBe("blocked\n");
      expect((await fetchFrom([], `http://${server}:8080/`)).stdout).toBe("blocked\n");
      expect(await fetchText(`http://${server}:8080/`)).toBe("private\n"); // the host reaches both, as Docker's does
    } finally {
      await minic(["rm", "-f", "server", "plain"], stateRoot());
      for (const net of [left, right]) await minic(["network", "rm", net], stateRoot());
    }
    const rules = Bun.spawnSync(["iptables", "-S"]).stdout.toString();
    expect(rules.split("\n").filter((rule) => bridges.some((bridge) => rule.includes(bridge)))).toEqual([]);
  }, 60_000);
});

describe("what the bridge needs", () => {
  test("CNI plugins or iptables missing, or iptables failing half-way: one line naming the package, 125, nothing left", async () => {
    const broken = join(stateRoot(), "broken-iptables");
    writeFileSync(broken, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "iptables v1.8.9 (nf_tables)"; exit 0; fi\necho "iptables: broken on purpose" >&2\nexit 4\n', { mode: 0o755 });
    const notExecutable = join(stateRoot(), "not-executable");
    writeFileSync(notExecutable, "", { mode: 0o644 });
    // In a private mount namespace of the test's own, so nothing else on the machine sees the change.
    const runWith = async (setup: string) => {
      const child = Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", `${setup} && exec "$0" "$@"`, MINIC, ...withCgroupParent(["run", "--rm", "--name", "needy", "--rootfs", ROOTFS, "true"])],
        { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "pipe", stderr: "pipe" });
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      return { code, stderr };
    };
    const netnsBefore = existsSync("/run/netns") ? readdirSync("/run/netns") : [];
    const leasesBefore = sharedLeases();
    // CNI's rules carry the container's id, which is gone with the container: ids never seen before count.
    const taggedIds = () => new Set([...Bun.spawnSync(["iptables-save"]).stdout.toString().matchAll(/id: \\"([0-9a-f]{64})\\"/g)].map((match) => match[1]));
    const idsBefore = taggedIds();
    expect(await runWith("mount -t tmpfs none /usr/lib/cni")).toEqual({ code: 125, stderr: "minic: a network of the container's own needs the CNI plugins (/usr/lib/cni/bridge is missing); --network none or host needs none (apt-get install containernetworking-plugins)\n" });
    expect(await runWith(`mount --bind ${notExecutable} /usr/sbin/iptables`)).toEqual({ code: 125, stderr: "minic: a network of the container's own needs iptables, which is not installed; --network none or host needs none (apt-get install iptables)\n" });
    // The bridge plugin has made the veth and taken an address when its first rule fails.
    const failing = await runWith(`mount --bind ${broken} /usr/sbin/iptables`);
    expect(failing.code).toBe(125);
    expect(failing.stderr).toMatch(/^minic: CNI plugin bridge \(ADD\) failed: .*iptables: broken on purpose\n$/);
    expect([...taggedIds()].filter((id) => !idsBefore.has(id))).toEqual([]);
    expect(existsSync("/run/netns") ? readdirSync("/run/netns") : []).toEqual(netnsBefore);
    expect(sharedLeases().filter((file) => !leasesBefore.includes(file))).toEqual([]);
    expect(readdirSync(join(stateRoot(), "containers")).filter((name) => !name.startsWith("."))).toEqual([]);
    expect(existsSync(join(stateRoot(), "names", "needy"))).toBe(false);
  });

  test("a network whose DEL fails: rm keeps the container, with what DEL needs, to try again", async () => {
    const broken = join(stateRoot(), "broken-iptables");
    writeFileSync(broken, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "iptables v1.8.9 (nf_tables)"; exit 0; fi\necho "iptables: broken on purpose" >&2\nexit 4\n', { mode: 0o755 });
    // A foreground run killed with SIGKILL: its network stays until a command takes it back.
    const killedRun = async (name: string): Promise<string> => {
      const child = Bun.spawn([MINIC, ...withCgroupParent(["run", "--name", name, "--rootfs", ROOTFS, "sleep", "30"])], { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "ignore", stderr: "ignore" });
      // names/NAME is a symlink to the id (existsSync would follow it to nothing).
      // Killed once its network is whole (its ADD result noted), not half-way through making it.
      await waitFor(() => existsSync(join(stateRoot(), "names")) && readdirSync(join(stateRoot(), "names")).includes(name) && existsSync(join(stateRoot(), "containers", idOf(name), "network.json")));
      child.kill("SIGKILL");
      await child.exited;
      return idOf(name);
    };
    // rm with iptables broken, in a private mount namespace of the test's own.
    const rmBroken = async (flags: string[], name: string) => {
      const child = Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind ${broken} /usr/sbin/iptables && exec "$0" "$@"`, MINIC, "rm", ...flags, name],
        { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "pipe", stderr: "pipe" });
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      return { code, stderr };
    };
    const kept = await killedRun("del-fails");
    const refused = await rmBroken([], "del-fails");
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/^minic: cannot take back the network of container [0-9a-f]{12}: CNI plugin .* failed: .*broken on purpose.* \(fix the cause and run rm again, or rm -f removes it anyway\)\n$/);
    expect(traces([kept]).some((trace) => trace.startsWith("netns"))).toBe(true);
    expect((await minic(["rm", "del-fails"], stateRoot())).code).toBe(0);
    expect(traces([kept])).toEqual([]);
  }, 30_000);
});
