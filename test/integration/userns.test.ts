// User namespaces for root's containers (--uidmap/--gidmap, linux.uidMappings in a spec): root
// inside is an unprivileged id range outside, the rootfs appears owned by the container's ids
// through an idmapped mount, and the host's root-only files and devices stay out of reach.
import { beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostMounts, isolatedContainers, MINIC, minic, ROOTFS } from "../support/minic.ts";
import { openTerminal } from "../support/tmux.ts";

const stateRoot = isolatedContainers("userns");
let root = "";
beforeEach(() => {
  root = stateRoot();
});

const MAP = ["--uidmap", "0:100000:65536"];
const runIn = (args: string[]) => minic(["run", "--rootfs", ROOTFS, ...args], root);

/** The only container's writable layer on the host. */
function upperDir(): string {
  const [id = ""] = readdirSync(join(root, "containers"));
  return join(root, "containers", id, "upper");
}

describe("a container in a user namespace of its own", () => {
  test("root inside is uid 0 with the maps asked for; the rootfs's files are root's inside", async () => {
    const mountsBefore = hostMounts();
    const result = await runIn(["--rm", ...MAP, "--gidmap", "0:300000:1000", "sh", "-c", "id; cat /proc/self/uid_map /proc/self/gid_map; stat -c '%u:%g' /bin/busybox /etc"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n").map((line) => line.trim().split(/\s+/).join(" "));
    expect(lines).toEqual(["uid=0(root) gid=0(root) groups=0(root)", "0 100000 65536", "0 300000 1000", "0:0", "0:0"]);
    expect(hostMounts()).toBe(mountsBefore);
  });

  test("what the container's users write is owned by their mapped ids on the host", async () => {
    const result = await runIn([...MAP, "sh", "-c", "echo x > /made-by-root && chown 5:6 /etc/passwd && mkdir /tmp/theirs && chown 1000:1000 /tmp/theirs"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const upper = upperDir();
    const owner = (path: string) => `${statSync(join(upper, path)).uid}:${statSync(join(upper, path)).gid}`;
    expect(owner(".")).toBe("100000:100000");
    expect(owner("made-by-root")).toBe("100000:100000");
    expect(owner("etc/passwd")).toBe("100005:100006");
    expect(owner("tmp/theirs")).toBe("101000:101000");
    // The shared rootfs itself is untouched: still the host root's.
    expect(statSync(join(ROOTFS, "etc/passwd")).uid).toBe(0);
  });

  test("root inside cannot read a root-only host file bound in, nor write a root-owned volume", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minic-userns-"));
    try {
      writeFileSync(join(dir, "secret"), "host secret\n", { mode: 0o600 });
      mkdirSync(join(dir, "hosts-volume"), { mode: 0o755 });
      mkdirSync(join(dir, "their-volume"), { mode: 0o755 });
      chownSync(join(dir, "their-volume"), 100000, 100000);
      chmodSync(dir, 0o755);
      const result = await runIn([
        "--rm", ...MAP, "-v", `${dir}/secret:/secret`, "-v", `${dir}/hosts-volume:/hosts`, "-v", `${dir}/their-volume:/theirs`,
        "sh", "-c", "cat /secret; touch /hosts/x; echo $?; echo ok > /theirs/file && echo wrote",
      ]);
      expect(result.stdout).not.toContain("host secret");
      expect(result.stderr).toContain("can't open '/secret': Permission denied");
      expect(result.stdout).toBe("1\nwrote\n");
      expect(statSync(join(dir, "their-volume/file")).uid).toBe(100000);
      expect(readdirSync(join(dir, "hosts-volume"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("devices are the host's safe nodes, bound; a disk node cannot be made", async () => {
    const result = await runIn(["--rm", ...MAP, "sh", "-c", "echo gone > /dev/null && head -c 3 /dev/zero | wc -c; mknod /tmp/disk b 8 0; echo mknod=$?"]);
    expect(result.stdout).toBe("3\nmknod=1\n");
    expect(result.stderr).toContain("Operation not permitted");
  });

  test("sysfs shows the container's own network: made inside with --network none, by the spawner on the bridge; with the host's network, the host's /sys is bound read-only", async () => {
    const own = await runIn(["--rm", ...MAP, "--network", "none", "sh", "-c", "ls /sys/class/net; grep ' /sys ' /proc/self/mounts"]);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/^lo\nsysfs \/sys sysfs ro,/);
    // The default bridge: a namespace the host's root made, which the child joins at birth.
    const bridged = await runIn(["--rm", ...MAP, "sh", "-c", "ls /sys/class/net | tr '\\n' ' '; echo; grep ' /sys ' /proc/self/mounts | cut -d' ' -f3,4; ip -o link | wc -l; touch /sys/x"]);
    expect(bridged.stdout).toMatch(/^eth0 lo \nsysfs ro,nosuid,nodev,noexec\S*\n2\n$/);
    expect(bridged.stderr).toContain("Read-only file system");
    // Its root holds no capability over that namespace: Docker's sysctls let it bind port 80 all the
    // same (a bug once: "nc: bind: Permission denied"). timeout's 143: nc was listening.
    const low = await runIn(["--rm", ...MAP, "sh", "-c", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start; timeout 0.3 nc -l -p 80; echo $?"]);
    expect({ stdout: low.stdout, stderr: low.stderr }).toEqual({ stdout: "0\n143\n", stderr: "Terminated\n" });
    const host = await runIn(["--rm", ...MAP, "--network", "host", "sh", "-c", "grep ' /sys ' /proc/self/mounts; touch /sys/x"]);
    expect(host.stdout).toMatch(/^sysfs \/sys sysfs ro,/);
    expect(host.stderr).toContain("Read-only file system");
  });

  test("--userns=auto: two containers get disjoint ranges of 65536 from minic's pool, claimed until rm; root inside cannot read a root-only host file", async () => {
    const secretDir = mkdtempSync(join(tmpdir(), "minic-auto-"));
    chmodSync(secretDir, 0o755);
    const secret = join(secretDir, "secret");
    writeFileSync(secret, "host-only\n", { mode: 0o600 });
    try {
      for (const name of ["auto1", "auto2"]) {
        const made = await minic(["run", "-d", "--name", name, "--userns", "auto", "-v", `${secret}:/secret:ro`, "--network", "none", "--rootfs", ROOTFS, "sleep", "60"], root);
        expect({ code: made.code, stderr: made.stderr }).toEqual({ code: 0, stderr: "" });
      }
      const maps = await Promise.all(["auto1", "auto2"].map(async (name) => (await minic(["exec", name, "cat", "/proc/self/uid_map"], root)).stdout.trim().split(/\s+/).map(Number)));
      const [[inside1, first1, size1], [inside2, first2, size2]] = maps as [number[], number[]];
      expect([inside1, size1, inside2, size2]).toEqual([0, 65536, 0, 65536]);
      expect(Math.abs((first1 ?? 0) - (first2 ?? 0))).toBeGreaterThanOrEqual(65536);
      expect(first1).toBeGreaterThanOrEqual(65536);
      const read = await minic(["exec", "auto1", "sh", "-c", "id -u; cat /secret"], root);
      expect(read.stdout).toBe("0\n");
      expect(read.stderr).toContain("Permission denied");
      expect(readdirSync(join(root, "userns")).sort()).toEqual([String(first1), String(first2)].sort());
      const bad = await minic(["run", "--rm", "--userns", "auto", "--uidmap", "0:1:1", "--rootfs", ROOTFS, "true"], root);
      expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 125, stderr: "minic: --userns auto chooses the maps itself: it cannot be combined with --uidmap or --gidmap\n" });
      await minic(["rm", "-f", "auto1", "auto2"], root);
      expect(readdirSync(join(root, "userns"))).toEqual([]);
      // A container's own --uidmap keeps its ids from --userns=auto, and runs choosing at once each
      // get a range of their own (bugs once: ids given out twice; a race lost with exit 125).
      const lowest = Math.min(first1 ?? 0, first2 ?? 0);
      expect((await minic(["run", "-d", "--name", "explicit", "--uidmap", `0:${lowest}:65536`, "--network", "none", "--rootfs", ROOTFS, "sleep", "60"], root)).code).toBe(0);
      const racers = ["race1", "race2", "race3", "race4"];
      const raced = await Promise.all(racers.map((name) => minic(["run", "-d", "--name", name, "--userns", "auto", "--network", "none", "--rootfs", ROOTFS, "sleep", "60"], root)));
      expect(raced.map((result) => ({ code: result.code, stderr: result.stderr }))).toEqual(racers.map(() => ({ code: 0, stderr: "" })));
      const firsts = await Promise.all(racers.map(async (name) => Number((await minic(["exec", name, "cat", "/proc/self/uid_map"], root)).stdout.trim().split(/\s+/)[1])));
      expect(new Set(firsts).size).toBe(4);
      expect(firsts).not.toContain(lowest);
      await minic(["rm", "-f", "explicit", ...racers], root);
      expect(readdirSync(join(root, "userns"))).toEqual([]);
    } finally {
      rmSync(secretDir, { recursive: true, force: true });
    }
  });

  test("two containers with different ranges; exec joins the container's user namespace", async () => {
    const create = await minic(["create", "--name", "mapped", "--rootfs", ROOTFS, "--uidmap", "0:200000:65536", "sleep", "60"], root);
    expect(create.code).toBe(0);
    expect((await minic(["start", "mapped"], root)).code).toBe(0);
    const init = (await minic(["exec", "mapped", "sh", "-c", "readlink /proc/1/ns/user; readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u"], root)).stdout.trim().split("\n");
    expect(init[0]).toBe(init[1]);
    expect(init[0]).not.toBe(readlinkSync("/proc/self/ns/user"));
    expect(init[2]?.trim().split(/\s+/)).toEqual(["0", "200000", "65536"]);
    expect(init[3]).toBe("0");
    const other = await runIn(["--rm", ...MAP, "cat", "/proc/self/uid_map"]);
    expect(other.stdout.trim().split(/\s+/)).toEqual(["0", "100000", "65536"]);
    const asUser = await minic(["exec", "-u", "1000:1000", "mapped", "sh", "-c", "id -u; cat /proc/1/environ"], root);
    expect(asUser.stdout).toBe("1000\n");
    expect(asUser.stderr).toContain("Permission denied");
  });

  test("-it works through a real terminal", async () => {
    const terminal = openTerminal();
    try {
      terminal.keys(`MINIC_ROOT=${root} ${MINIC} run --rm -it ${MAP.join(" ")} --rootfs ${ROOTFS} sh; echo EXIT=$?`, "Enter");
      await terminal.waitFor(/^\/ #/m);
      terminal.keys("echo uid=$(id -u) tty=$(tty)", "Enter");
      await terminal.waitFor(/uid=0 tty=\/dev\/pts\/0/);
      terminal.keys("exit 3", "Enter");
      await terminal.waitFor(/EXIT=3/);
    } finally {
      terminal.close();
    }
  });

  test("bad maps: one line, exit 125, nothing left behind", async () => {
    const cases: [string[], string][] = [
      [["--uidmap", "0:100000"], 'minic: invalid --uidmap "0:100000": expected CONTAINER_ID:HOST_ID:COUNT, e.g. 0:100000:65536'],
      [["--gidmap", "x:1:1"], 'minic: invalid --gidmap "x:1:1": expected CONTAINER_ID:HOST_ID:COUNT, e.g. 0:100000:65536'],
      [["--uidmap", "1:100000:10"], "minic: invalid spec: linux.uidMappings must map container id 0"],
      [["--uidmap", "0:100000:10", "--uidmap", "10:100005:10"], "minic: invalid spec: linux.uidMappings has overlapping host ranges at 100005"],
    ];
    for (const [flags, message] of cases) {
      const result = await runIn(["--name", "bad", ...flags, "true"]);
      expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 125, stderr: message });
    }
    expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
  });
});
