// /etc/resolv.conf, /etc/hosts and /etc/hostname: written into the container's directory and
// bound over the image's, with --dns, --dns-search, --dns-option and --add-host; never written
// into the rootfs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedContainers, minic, ROOTFS } from "../support/minic.ts";

const stateRoot = isolatedContainers("etc-files");
let rootfs = "";
beforeAll(() => {
  rootfs = join(mkdtempSync(join(tmpdir(), "minic-etc-")), "rootfs");
  expect(spawnSync("cp", ["-a", ROOTFS, rootfs]).status).toBe(0);
  rmSync(join(rootfs, "etc", "hosts"), { force: true });
  rmSync(join(rootfs, "etc", "hostname"), { force: true });
  rmSync(join(rootfs, "etc", "resolv.conf"), { force: true });
});
afterAll(() => rmSync(join(rootfs, ".."), { recursive: true, force: true }));

const run = (args: string[]) => minic(["run", "--rm", "--rootfs", rootfs, ...args], stateRoot());

describe("--network container:NAME", () => {
  test("joins that container's network namespace and starts from its /etc files; a stopped one is refused", async () => {
    const web = (await minic(["run", "-d", "--name", "web", "--network", "none", "--add-host", "peer:192.0.2.20", "--rootfs", rootfs, "sleep", "30"], stateRoot())).stdout.trim();
    const webPid = JSON.parse(readFileSync(join(stateRoot(), "containers", web, "state.json"), "utf8")).process.pid as number;
    const joined = await run(["--network", "container:web", "sh", "-c", "readlink /proc/self/ns/net; grep peer /etc/hosts"]);
    expect({ code: joined.code, stderr: joined.stderr }).toEqual({ code: 0, stderr: "" });
    expect(joined.stdout).toBe(`${readlinkSync(`/proc/${webPid}/ns/net`)}\n192.0.2.20\tpeer\n`);
    await minic(["rm", "-f", "web"], stateRoot());
    const gone = await run(["--network", "container:web", "true"]);
    expect({ code: gone.code, stderr: gone.stderr }).toEqual({ code: 125, stderr: "minic: no such container: web\n" });
    const bad = await run(["--network", "bridge0", "true"]);
    expect(bad.stderr).toBe("minic: no such network: bridge0 (see 'minic network ls')\n");
  });
});

describe("/etc files", () => {
  test("resolv.conf from --dns, --dns-search and --dns-option; hosts with the hostname and --add-host; hostname", async () => {
    const r = await run(["--name", "web", "--dns", "192.0.2.53", "--dns", "192.0.2.54", "--dns-search", "example.org", "--dns-option", "ndots:2", "--add-host", "db:192.0.2.10", "--add-host", "gw:host-gateway",
      "sh", "-c", "cat /etc/resolv.conf; echo ---; cat /etc/hostname; echo ---; tail -3 /etc/hosts"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    // On the default bridge its name is its address there, and host-gateway the bridge's.
    expect(r.stdout).toMatch(/^nameserver 192\.0\.2\.53\nnameserver 192\.0\.2\.54\nsearch example\.org\noptions ndots:2\n---\nweb\n---\n10\.89\.\d+\.\d+\tweb\n192\.0\.2\.10\tdb\n10\.89\.0\.1\tgw\n$/);
    // With the host's network: the host's own file, and the host on its loopback.
    const host = await run(["--network", "host", "--hostname", "h1", "--add-host", "gw:host-gateway", "tail", "-2", "/etc/hosts"]);
    expect(host.stdout).toBe("127.0.1.1\th1\n127.0.0.1\tgw\n");
  });

  test("the host's resolvers and names by default; writable inside, as Docker's; the rootfs untouched", async () => {
    const hostServers = readFileSync("/etc/resolv.conf", "utf8").split("\n").filter((line) => line.startsWith("nameserver"));
    const r = await run(["sh", "-c", "grep ^nameserver /etc/resolv.conf; echo ---; echo '192.0.2.99 added' >> /etc/hosts && grep -c added /etc/hosts"]);
    expect(r.stdout).toBe(`${hostServers.map((line) => `${line}\n`).join("")}---\n1\n`);
    // A network namespace of its own starts from the loopback names, not the host's file.
    expect((await run(["--network", "none", "head", "-1", "/etc/hosts"])).stdout).toBe("127.0.0.1\tlocalhost\n");
    for (const name of ["hosts", "hostname", "resolv.conf"]) expect(existsSync(join(rootfs, "etc", name))).toBe(false);
  });

  test("a volume over one of them wins; bad --dns and --add-host are one line", async () => {
    const hosts = join(stateRoot(), "my-hosts");
    await Bun.write(hosts, "192.0.2.1 mine\n");
    expect((await run(["-v", `${hosts}:/etc/hosts:ro`, "cat", "/etc/hosts"])).stdout).toBe("192.0.2.1 mine\n");
    const badDns = await run(["--dns", "resolver.example", "true"]);
    expect({ code: badDns.code, stderr: badDns.stderr }).toEqual({ code: 125, stderr: 'minic: invalid --dns "resolver.example": expected an IP address\n' });
    const badHost = await run(["--add-host", "nocolon", "true"]);
    expect({ code: badHost.code, stderr: badHost.stderr }).toEqual({ code: 125, stderr: 'minic: invalid --add-host "nocolon": expected NAME:IP (or NAME:host-gateway)\n' });
  });
});
