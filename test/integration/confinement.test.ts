// Confinement by default, tried from inside real containers as an attacker would: host devices,
// host cgroup hierarchies, the caller's keyring.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedContainers, minic, REPO, ROOTFS } from "../support/minic.ts";
import { probeBinary } from "../support/probe.ts";

const stateRoot = isolatedContainers("confinement");
let root = "";
beforeEach(() => {
  root = stateRoot();
});

const PROBE = probeBinary(join(REPO, ".cache"));
const runIn = (args: string[]) => minic(["run", "--rm", "--rootfs", ROOTFS, "-v", `${PROBE}:/probe:ro`, ...args], root);

/** A loop device over a file with known contents: the "host disk" the container must not read. */
let disk = { dir: "", device: "", major: 0, minor: 0 };
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "minic-disk-"));
  writeFileSync(join(dir, "image"), Buffer.concat([Buffer.from("HOST-DISK-SECRET"), Buffer.alloc(1024 * 1024 - 16)]));
  const attached = spawnSync("losetup", ["--find", "--show", join(dir, "image")], { encoding: "utf8" });
  if (attached.status !== 0) throw new Error(`losetup: ${attached.stderr}`);
  const device = attached.stdout.trim();
  const [major = 0, minor = 0] = readFileSync(`/sys/class/block/${device.slice(5)}/dev`, "utf8").trim().split(":").map(Number);
  disk = { dir, device, major, minor };
});
afterAll(() => {
  spawnSync("losetup", ["--detach", disk.device]);
  rmSync(disk.dir, { recursive: true, force: true });
});

describe("host devices", () => {
  test("mknod of a host disk works, opening it does not (the device cgroup)", async () => {
    const result = await runIn(["sh", "-c", `mknod /tmp/disk b ${disk.major} ${disk.minor} && echo made; head -c 16 /tmp/disk; mknod /tmp/kmsg c 1 11 && echo hi > /tmp/kmsg`]);
    expect(result.stdout).toBe("made\n");
    expect(result.stdout + result.stderr).not.toContain("HOST-DISK-SECRET");
    expect(result.stderr).toContain("head: /tmp/disk: Operation not permitted");
    expect(result.stderr).toContain("can't create /tmp/kmsg: Operation not permitted");
  });

  test("the default nodes work", async () => {
    const result = await runIn(["sh", "-c", "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && ls /dev/pts/ptmx"]);
    expect(result.stdout).toBe("4\n4\n/dev/pts/ptmx\n");
  });
});

describe("cgroups", () => {
  test("the workload is in a cgroup of its own in every v1 hierarchy the host mounts", async () => {
    const mounted = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => / - cgroup cgroup /.test(line));
    if (mounted.length === 0) return; // a cgroup v2 host: one hierarchy, tested in cgroups.test.ts
    const result = await minic(["run", "--rm", "--rootfs", ROOTFS, "sh", "-c", "cat /proc/self/cgroup"], root);
    const lines = result.stdout.trim().split("\n").filter((line) => !line.startsWith("0::"));
    expect(lines.length).toBe(mounted.length);
    for (const line of lines) expect(line).toMatch(/^\d+:[^:]+:\/$/);
    // From the host: the container's init is in minic's directory in each hierarchy.
    const created = await minic(["create", "--name", "c", "--rootfs", ROOTFS, "sleep", "30"], root);
    expect(created.code).toBe(0);
    const record = JSON.parse(readFileSync(join(root, "containers", created.stdout.trim(), "state.json"), "utf8")) as { process: { pid: number }; cgroup: { dirs: { path: string }[] } };
    expect(record.cgroup.dirs.length).toBe(mounted.length);
    await minic(["start", "c"], root);
    const hostView = readFileSync(`/proc/${record.process.pid}/cgroup`, "utf8").trim().split("\n").filter((line) => !line.startsWith("0::"));
    for (const line of hostView) expect(line).toContain(`/${created.stdout.trim()}`);
  });
});

describe("keyring", () => {
  test("a container's session keyring is its own, not the caller's", async () => {
    const host = spawnSync(PROBE, ["keyring"], { encoding: "utf8" }).stdout;
    // keyctl itself is refused by the default seccomp profile: look without it.
    const first = (await runIn(["--security-opt", "seccomp=unconfined", "/probe", "keyring"])).stdout;
    const second = (await runIn(["--security-opt", "seccomp=unconfined", "/probe", "keyring"])).stdout;
    expect(first).toMatch(/^keyring \d+\n$/);
    expect(first).not.toBe(host);
    expect(first).not.toBe(second);
  });
});

const REFUSED = ["unshare-user", "keyctl", "add_key", "io_uring_setup", "perf_event_open", "personality", "userfaultfd", "vsock", "mount", "umount2", "setns"];

describe("seccomp", () => {
  test("/proc/self/status: seccomp filter mode, Docker's 14 capabilities, nothing inheritable or ambient", async () => {
    const result = await runIn(["grep", "-E", "^(Cap|Seccomp:|NoNewPrivs)", "/proc/self/status"]);
    expect(result.stdout).toBe("CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n");
  });

  test("every call Docker's profile refuses answers EPERM, in run and in exec", async () => {
    const result = await runIn(["/probe", ...REFUSED]);
    expect(result.stdout).toBe(REFUSED.map((name) => `${name} EPERM\n`).join(""));
    const created = await minic(["create", "--name", "e", "--rootfs", ROOTFS, "-v", `${PROBE}:/probe:ro`, "sleep", "30"], root);
    expect(created.code).toBe(0);
    await minic(["start", "e"], root);
    const exec = await minic(["exec", "e", "sh", "-c", "grep Seccomp: /proc/self/status; /probe keyctl unshare-user"], root);
    expect(exec.stdout).toBe("Seccomp:\t2\nkeyctl EPERM\nunshare-user EPERM\n");
  });

  test("seccomp=unconfined: no filter, and the same calls are the kernel's to answer", async () => {
    const result = await runIn(["--security-opt", "seccomp=unconfined", "sh", "-c", "grep Seccomp: /proc/self/status; /probe unshare-user keyctl personality"]);
    expect(result.stdout).toBe("Seccomp:\t0\nunshare-user ok\nkeyctl ok\npersonality ok\n");
  });

  test("a profile file in Docker's format; no-new-privileges", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minic-profile-"));
    try {
      const profile = join(dir, "p.json");
      writeFileSync(profile, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }, { names: ["no_such_call"], action: "SCMP_ACT_ERRNO" }] }));
      const custom = await runIn(["--security-opt", `seccomp=${profile}`, "--security-opt", "no-new-privileges", "sh", "-c", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir /tmp/x; /probe keyctl"]);
      expect(custom.stdout).toBe("NoNewPrivs:\t1\nSeccomp:\t2\nkeyctl ok\n");
      expect(custom.stderr).toContain("can't create directory '/tmp/x': Permission denied");
      writeFileSync(profile, "{ not json");
      const broken = await runIn(["--security-opt", `seccomp=${profile}`, "true"]);
      expect(broken.code).toBe(125);
      expect(broken.stderr).toStartWith(`minic: seccomp profile ${profile}: not valid JSON`);
      writeFileSync(profile, JSON.stringify({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_MAYBE" }] }));
      const badAction = await runIn(["--security-opt", `seccomp=${profile}`, "true"]);
      expect({ code: badAction.code, stderr: badAction.stderr }).toEqual({ code: 125, stderr: `minic: seccomp profile ${profile}: syscalls[0].action names an unknown action "SCMP_ACT_MAYBE"\n` });
      expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
