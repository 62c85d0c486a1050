// Confinement by default, tried from inside real containers as an attacker would: host devices,
// host cgroup hierarchies, the caller's keyring.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedContainers, leftovers, MINIC, minic, REPO, ROOTFS } from "../support/minic.ts";
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
    const result = await runIn(["--security-opt", "seccomp=unconfined", "sh", "-c", "grep Seccomp: /proc/self/status; /probe unshare-user keyctl add_key io_uring_setup personality mount setns"]);
    // Without CAP_SYS_ADMIN the kernel itself still refuses mount and setns.
    expect(result.stdout).toBe("Seccomp:\t0\nunshare-user ok\nkeyctl ok\nadd_key ok\nio_uring_setup ok\npersonality ok\nmount EPERM\nsetns EPERM\n");
  });

  test("--privileged: every one of them works", async () => {
    const calls = ["unshare-user", "keyctl", "add_key", "io_uring_setup", "perf_event_open", "personality", "userfaultfd", "mount", "setns", "umount2"];
    const result = await runIn(["--privileged", "/probe", ...calls]);
    expect(result.stdout).toBe(calls.map((name) => `${name} ok\n`).join(""));
  });

  test("without libseccomp the container does not start unconfined: one line, and the way out", async () => {
    const library = realpathSync(/\s(\/\S+libseccomp\.so\.2)$/m.exec(spawnSync("ldconfig", ["-p"], { encoding: "utf8" }).stdout)?.[1] ?? "/usr/lib/x86_64-linux-gnu/libseccomp.so.2");
    const fresh = mkdtempSync(join(tmpdir(), "minic-nolib-"));
    try {
      const hidden = (args: string) =>
        spawnSync("unshare", ["-m", "sh", "-c", `mount --make-rprivate / && mount --bind /dev/null ${library} && ${MINIC} run --rm --rootfs ${ROOTFS} ${args}`], { encoding: "utf8", env: { ...process.env, MINIC_ROOT: fresh } });
      const refused = hidden("true");
      expect(refused.status).toBe(125);
      expect(refused.stderr).toMatch(/^minic: cannot load libseccomp to build the container's seccomp filter: .*\(install Debian's libseccomp2, or run the container with --security-opt seccomp=unconfined\)\n$/);
      expect(hidden("--security-opt seccomp=unconfined true").status).toBe(0);
      expect(leftovers(fresh)).toEqual([]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
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

describe("the flags that tune confinement", () => {
  test("--cap-drop ALL leaves nothing; --cap-add SYS_ADMIN brings mount, in the kernel and in seccomp", async () => {
    const none = await runIn(["--cap-drop", "ALL", "grep", "CapEff", "/proc/self/status"]);
    expect(none.stdout).toBe("CapEff:\t0000000000000000\n");
    const admin = await runIn(["--cap-add", "sys_admin", "--cap-drop", "NET_RAW", "sh", "-c", "grep CapEff /proc/self/status; /probe mount setns"]);
    // Docker's 0xa80425fb, plus CAP_SYS_ADMIN (bit 21), less CAP_NET_RAW (bit 13).
    expect(admin.stdout).toBe("CapEff:\t00000000a82405fb\nmount ok\nsetns ok\n");
  });

  test("--device gives one host node with its permissions; --device-cgroup-rule allows by number", async () => {
    const reader = await runIn(["--device", `${disk.device}:/dev/disk:r`, "sh", "-c", "ls -l /dev/disk; head -c 16 /dev/disk; echo; echo x > /dev/disk"]);
    expect(reader.stdout).toMatch(new RegExp(`^b.* ${disk.major}, +${disk.minor} .* /dev/disk\\nHOST-DISK-SECRET\\n$`));
    expect(reader.stderr).toContain("can't create /dev/disk: Operation not permitted");
    const byRule = await runIn(["--device-cgroup-rule", `b ${disk.major}:* r`, "sh", "-c", `mknod /tmp/d b ${disk.major} ${disk.minor} && head -c 16 /tmp/d`]);
    expect(byRule.stdout).toBe("HOST-DISK-SECRET");
  });

  test("--privileged: every capability minic has, the host's devices, no seccomp, /sys writable", async () => {
    const result = await runIn(["--privileged", "sh", "-c", `grep -E '^(CapEff|Seccomp):' /proc/self/status; head -c 16 ${disk.device}; echo; grep ' /sys ' /proc/self/mounts; ls /sys/firmware | wc -l; ls /proc/sys/kernel | wc -l`]);
    const own = /^CapBnd:\s*(\w+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    expect(result.stdout).toStartWith(`CapEff:\t${own}\nSeccomp:\t0\nHOST-DISK-SECRET\nsysfs /sys sysfs rw,`);
    // No masked paths: the host's /sys/firmware is there, not an empty tmpfs.
    const [firmware = "", kernel = ""] = result.stdout.trim().split("\n").slice(-2);
    expect(Number(firmware)).toBeGreaterThan(0);
    expect(Number(kernel)).toBeGreaterThan(10);
    expect((await runIn(["sh", "-c", "ls /sys/firmware | wc -l"])).stdout).toBe("0\n");
  });

  test("--ulimit, --sysctl (its own network namespace only) and --oom-score-adj", async () => {
    const hostForward = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
    const result = await runIn([
      "--ulimit", "nofile=100:200", "--network", "none", "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=1000000", "--oom-score-adj", "500",
      "sh", "-c", "ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/self/oom_score_adj",
    ]);
    expect(result.stdout).toBe("100\n200\n1\n1000000\n500\n");
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8")).toBe(hostForward);
  });

  test("exec --privileged: every capability and no filter for that process only", async () => {
    expect((await minic(["create", "--name", "p", "--rootfs", ROOTFS, "sleep", "30"], root)).code).toBe(0);
    await minic(["start", "p"], root);
    const privileged = await minic(["exec", "--privileged", "p", "grep", "-E", "^(CapEff|Seccomp):", "/proc/self/status"], root);
    const own = /^CapBnd:\s*(\w+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    expect(privileged.stdout).toBe(`CapEff:\t${own}\nSeccomp:\t0\n`);
    const plain = await minic(["exec", "p", "grep", "-E", "^(CapEff|Seccomp):", "/proc/self/status"], root);
    expect(plain.stdout).toBe("CapEff:\t00000000a80425fb\nSeccomp:\t2\n");
  });

  test("bad input: one line, exit 125, nothing left behind", async () => {
    const cases: [string[], string][] = [
      [["--cap-add", "FLY"], 'minic: invalid --cap-add "FLY": unknown capability CAP_FLY'],
      [["--ulimit", "files=1"], 'minic: invalid --ulimit "files=1": unknown limit "files" (known: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack, as)'],
      [["--ulimit", "nofile=10:5"], 'minic: invalid --ulimit "nofile=10:5": the soft limit 10 is above the hard limit 5'],
      [["--sysctl", "kernel.panic=1"], 'minic: invalid --sysctl "kernel.panic=1": kernel.panic is not namespaced: it would change the host (allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)'],
      [["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"], 'minic: invalid --sysctl "net.ipv4.ip_forward=1": net.* settings need the container\'s own network namespace, not the host\'s (--network host)'],
      [["--device", "/etc/passwd:/dev/passwd"], "minic: --device /etc/passwd: not a device node (a character or block device)"],
      [["--device", "/dev/nonexistent"], "minic: --device /dev/nonexistent: no such file or directory"],
      [["--device-cgroup-rule", "x 1:3 rwm"], "minic: invalid --device-cgroup-rule \"x 1:3 rwm\": expected TYPE MAJOR:MINOR PERMISSIONS, e.g. 'c 1:3 rwm' or 'b 8:* r'"],
      [["--oom-score-adj", "2000"], 'minic: invalid --oom-score-adj "2000": expected a whole number from -1000 to 1000'],
      [["--privileged", "--security-opt", "seccomp=/p.json"], "minic: --privileged runs without a seccomp filter: it cannot be combined with --security-opt seccomp=PROFILE"],
    ];
    for (const [flags, message] of cases) {
      const result = await runIn(["--name", "bad", ...flags, "true"]);
      expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 125, stderr: message });
    }
    expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
  });
});
