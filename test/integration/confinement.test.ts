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
    const first = (await runIn(["/probe", "keyring"])).stdout;
    const second = (await runIn(["/probe", "keyring"])).stdout;
    expect(first).toMatch(/^keyring \d+\n$/);
    expect(first).not.toBe(host);
    expect(first).not.toBe(second);
  });
});
