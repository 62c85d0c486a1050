// Resource limits on the real cgroups of this host (v1 here; the file names follow the host), read
// back from inside the container and enforced on its workload.
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostCgroupLayout } from "../../src/cgroups/layout.ts";
import { hostMounts, MINIC, minic, minicCgroups, ownCgroupParent, removeCgroupParent, ROOTFS, run, stateDir, tree, useCgroupParent, waitFor, withCgroupParent } from "../support/minic.ts";
import { cgroupMounts } from "../../src/cgroups/layout.ts";
import { readFileSync } from "node:fs";

const v1 = hostCgroupLayout().version === 1;
/** A cgroup file as the container sees it: /sys/fs/cgroup/<controller>/<file> on v1. */
const inside = (controller: string, v1File: string, v2File: string) =>
  v1 ? `/sys/fs/cgroup/${controller}/${v1File}` : `/sys/fs/cgroup/${v2File}`;

// This file's containers go under a cgroup parent of its own: its assertions count only them.
const CGROUP_PARENT = ownCgroupParent("cgroups");
afterAll(() => removeCgroupParent(CGROUP_PARENT));

let cgroupsBefore: string[] = [];
let mountsBefore = "";
beforeEach(() => {
  useCgroupParent(CGROUP_PARENT);
  cgroupsBefore = minicCgroups();
  mountsBefore = hostMounts();
});
afterEach(() => {
  // Every test's containers are gone, and so are their cgroups.
  expect(minicCgroups()).toEqual(cgroupsBefore);
  expect(hostMounts()).toBe(mountsBefore);
  useCgroupParent(null);
});

describe("the container's cgroup", () => {
  test("/proc/self/cgroup is / (a cgroup namespace) and /sys/fs/cgroup is its own, read-only", async () => {
    const r = await run(["sh", "-c", "cat /proc/self/cgroup; echo ---; ls /sys/fs/cgroup; echo ---; grep ' /sys/fs/cgroup' /proc/self/mountinfo; touch /sys/fs/cgroup/x"]);
    const [cgroups = "", views = "", mounts = ""] = r.stdout.split("---\n");
    for (const line of cgroups.trim().split("\n")) expect(line).toMatch(/^\d+:[^:]*:\/$/);
    if (v1) expect(views.trim().split("\n")).toEqual(expect.arrayContaining(["cpu", "cpuacct", "memory", "pids"]));
    else expect(views).toContain("cgroup.procs");
    for (const line of mounts.trim().split("\n")) expect(line).toMatch(/ ro,nosuid,nodev,noexec/);
    expect(r.stderr).toContain("Read-only file system");
    expect(r.code).toBe(1);
  });

  test("the limits are in the container's cgroup files", async () => {
    const files = [
      inside("pids", "pids.max", "pids.max"),
      inside("memory", "memory.limit_in_bytes", "memory.max"),
      inside("cpu", "cpu.cfs_quota_us", "cpu.max"),
      inside("cpu", v1 ? "cpu.shares" : "", "cpu.weight"),
    ];
    const r = await run(["--pids-limit", "42", "--memory", "48m", "--cpus", "0.25", "--cpu-shares", "256", "cat", ...files]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(v1 ? ["42", String(48 << 20), "25000", "256"] : ["42", String(48 << 20), "25000 100000", "10"]);
  });

  test("the limits hold on the workload alone: with --pids-limit 1, PID 1 runs but cannot fork", async () => {
    const alone = await run(["--pids-limit", "1", "sh", "-c", `read n < ${inside("pids", "pids.current", "pids.current")}; echo $n`]);
    expect(alone).toMatchObject({ code: 0, stdout: "1\n" });
    const fork = await run(["--pids-limit", "1", "sh", "-c", "/bin/true; echo forked"]);
    expect(fork.code).not.toBe(0);
    expect(fork.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
  });
});

describe("limits enforced", () => {
  test("a fork bomb stops at --pids-limit and PID 1 survives it", async () => {
    // Only builtins after the bomb: the sleeps hold every pid the limit allows.
    const script = `sh -c 'while true; do sleep 30 & done' 2>/dev/null
echo survived
read n < ${inside("pids", "pids.current", "pids.current")}; echo current $n
while read key value; do [ "$key" = max ] && echo refused $value; done < ${inside("pids", "pids.events", "pids.events")}`;
    const r = await run(["--pids-limit", "12", "sh", "-c", script], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("survived");
    const current = Number(lines[1]?.split(" ")[1]);
    expect(current).toBeGreaterThanOrEqual(10);
    expect(current).toBeLessThanOrEqual(12);
    expect(Number(lines[2]?.split(" ")[1])).toBeGreaterThan(0);
  });

  test("a memory hog is OOM-killed: exit 137 and minic says so", async () => {
    const r = await run(["--name", "hog", "--memory", "32m", "dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"]);
    expect(r.code).toBe(137);
    expect(r.stderr).toBe("minic: container hog was OOM-killed: it reached its memory limit (--memory)\n");
  });

  test("--rm holds when stderr's reader has gone: the OOM message is dropped, not the clean-up", async () => {
    // A bug once: the message's EPIPE ended minic before --rm removed the container.
    const script = `${MINIC} run --rm --name gone-reader --cgroup-parent ${CGROUP_PARENT} --memory 32m --network none --rootfs ${ROOTFS} sh -c 'echo start; sleep 0.3; dd if=/dev/zero of=/dev/null bs=128M count=1' 2>&1 | head -1; echo "status \${PIPESTATUS[0]}"`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, MINIC_ROOT: stateDir() } });
    expect(r.stdout).toBe("start\nstatus 137\n");
    expect((await minic(["ps", "-aq"], stateDir())).stdout).toBe("");
  });

  test("the same work without a limit is not OOM-killed", async () => {
    const r = await run(["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("OOM");
  });

  test("--cpus 0.5: two busy loops get about half a core over three seconds", async () => {
    const usage = v1 ? "read ns < /sys/fs/cgroup/cpuacct/cpuacct.usage; echo $ns" : "while read k v; do [ $k = usage_usec ] && echo ${v}000; done < /sys/fs/cgroup/cpu.stat";
    const burn = "timeout 3 sh -c 'while :; do :; done'";
    const r = await run(["--cpus", "0.5", "sh", "-c", `${burn} & ${burn}; wait; ${usage}`], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const share = Number(r.stdout.trim()) / 3e9;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
  });
});

describe("minic stats and cleanup", () => {
  let root = "";
  beforeEach(() => {
    root = stateDir();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("stats reads a running container's cgroup; an exited one has none left", async () => {
    const container = spawn([MINIC, ...withCgroupParent(["run", "--rootfs", ROOTFS, "--name", "busy", "--memory", "64m", "sh", "-c", "trap 'exit 0' TERM; sleep 30 & sleep 30 & sleep 30 & wait"])], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      await waitFor(() => minicCgroups().length > cgroupsBefore.length);
      await Bun.sleep(200);
      const stats = await minic(["stats", "--no-stream", "busy"], root);
      expect(stats.code).toBe(0);
      const [header = "", row = ""] = stats.stdout.trim().split("\n");
      expect(header.split(/\s{3,}/)).toEqual(["CONTAINER ID", "NAME", "CPU TIME", "MEM USAGE / LIMIT", "MEM %", "PIDS"]);
      const cells = row.split(/\s{3,}/);
      expect(cells[1]).toBe("busy");
      expect(cells[2]).toMatch(/^\d+\.\d\ds$/);
      expect(cells[3]).toMatch(/^[\d.]+(B|KiB|MiB) \/ 64MiB$/);
      expect(cells[5]).toBe("4");
      expect((await minic(["stats"], root)).stdout).toContain("busy");
    } finally {
      container.kill("SIGTERM");
      await container.exited;
    }
    const after = await minic(["stats", "busy"], root);
    expect(after.stdout).toMatch(/busy\s+--\s+0B \/ 0B\s+0\.00%\s+0/);
    expect((await minic(["rm", "busy"], root)).code).toBe(0);
    expect((await minic(["stats", "ghost"], root)).stderr).toBe("minic: no such container: ghost\n");
  }, 20_000);

  test("a minic killed with SIGKILL leaves a cgroup that ps never touches and rm removes", async () => {
    const orphan = spawn([MINIC, ...withCgroupParent(["run", "--rm", "--rootfs", ROOTFS, "--memory", "64m", "sleep", "600"])], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitFor(() => minicCgroups().length > cgroupsBefore.length);
    await Bun.sleep(100);
    orphan.kill("SIGKILL");
    await orphan.exited;
    expect(minicCgroups().length).toBeGreaterThan(cgroupsBefore.length);
    const ps = await minic(["ps", "-a"], root);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toContain("Exited (137)");
    // Read-only commands kill and delete nothing: the record and the cgroup stay until rm.
    expect(minicCgroups().length).toBeGreaterThan(cgroupsBefore.length);
    const id = ps.stdout.split("\n")[1]?.split(/\s+/)[0] ?? "";
    expect((await minic(["rm", id], root)).code).toBe(0);
    expect(tree(root).filter((path) => path.startsWith("containers/"))).toEqual([]);
  });
});

describe("the cgroup v2 driver on this host's cgroup2 hierarchy", () => {
  // Here the controllers belong to v1. In a private mount namespace where the cgroup2 hierarchy
  // is all of /sys/fs/cgroup, minic sees a v2 host whose root offers no controller: the v2 tree,
  // its join through cgroup.procs, the view and the cleanup run for real, and a limit is refused
  // naming its controller. The hierarchy is mounted with the options it already has (a cgroup2
  // mount applies its options to the whole hierarchy).
  const unified = cgroupMounts(readFileSync("/proc/self/mountinfo", "utf8")).find((mount) => mount.fstype === "cgroup2");
  const options = unified?.superOptions.filter((option) => option !== "rw" && option !== "ro").join(",") ?? "";
  const asV2 = async (args: string[]) => {
    const root = stateDir();
    const quoted = args.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" ");
    const script = `mount --make-rprivate / && umount -R /sys/fs/cgroup && mount -t cgroup2 ${options ? `-o ${options} ` : ""}cgroup2 /sys/fs/cgroup && exec ${MINIC} run --rm --rootfs ${ROOTFS} ${quoted}`;
    const child = spawn(["unshare", "-m", "sh", "-c", script], { env: { ...process.env, MINIC_ROOT: root }, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    rmSync(root, { recursive: true, force: true });
    return { stdout, stderr, code };
  };

  test.skipIf(!v1 || unified === undefined)("a container on v2: its own cgroup, joined by PID 1, read-only, removed after", async () => {
    const r = await asV2(["sh", "-c", "grep ^0:: /proc/self/cgroup; read first < /sys/fs/cgroup/cgroup.procs; echo $first; grep ' /sys/fs/cgroup ' /proc/self/mountinfo"]);
    expect(r.stderr).toBe("");
    const [cgroup, procs, mount] = r.stdout.trim().split("\n");
    expect([cgroup, procs]).toEqual(["0::/", "1"]);
    expect(mount).toMatch(/ \/sys\/fs\/cgroup ro,nosuid,nodev,noexec.* - cgroup2 /);
    expect(r.code).toBe(0);
  });

  test.skipIf(!v1 || unified === undefined)("the device program: a host disk's node can be made, not opened; the default nodes and --device work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minic-v2disk-"));
    writeFileSync(join(dir, "image"), Buffer.concat([Buffer.from("V2-DISK-SECRET"), Buffer.alloc(65536)]));
    const loop = spawnSync("losetup", ["--find", "--show", join(dir, "image")], { encoding: "utf8" }).stdout.trim();
    try {
      const [major, minor] = readFileSync(`/sys/class/block/${loop.slice(5)}/dev`, "utf8").trim().split(":");
      const denied = await asV2(["sh", "-c", `mknod /tmp/d b ${major} ${minor} && echo made; head -c 14 /tmp/d; echo x > /dev/null && head -c 3 /dev/zero | wc -c`]);
      expect(denied.stdout).toBe("made\n3\n");
      expect(denied.stderr).toBe("head: /tmp/d: Operation not permitted\n");
      const given = await asV2(["--device", `${loop}:/dev/disk:r`, "sh", "-c", "head -c 14 /dev/disk; echo; echo x > /dev/disk"]);
      expect(given.stdout).toBe("V2-DISK-SECRET\n");
      expect(given.stderr).toBe("sh: can't create /dev/disk: Operation not permitted\n");
    } finally {
      spawnSync("losetup", ["--detach", loop]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(!v1 || unified === undefined)("a limit whose controller v2 does not offer here is refused before anything is made", async () => {
    const r = await asV2(["--pids-limit", "5", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^minic: the pids cgroup controller is not available on this host \(cgroup v2 at \/sys\/fs\/cgroup offers: [^)]*\)\n$/);
  });
});
