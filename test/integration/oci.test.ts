// minic under runc's command line, as engines and the conformance suite call it: a bundle's
// config.json, create/start/state/kill/delete by the caller's id, runc's exit code and log.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { isolatedContainers, leftovers, MINIC, minic, ownCgroupParent, REPO, ROOTFS, waitFor } from "../support/minic.ts";
import { testProgram } from "../support/probe.ts";

const stateRoot = isolatedContainers("oci");
const cgroupParent = ownCgroupParent("oci");
let root = "";
let bundle = "";
beforeEach(() => {
  root = stateRoot();
  bundle = mkdtempSync(join(tmpdir(), "minic-bundle-"));
});
afterEach(() => rmSync(bundle, { recursive: true, force: true }));

/** Ids the leak check counts (it looks for 64 hex digits under this file's cgroup parent). */
const newId = (): string => Bun.hash(`${Math.random()}`).toString(16).padStart(16, "0").repeat(4).slice(0, 64);

/** A bundle in the shape `runc spec` writes, on the shared busybox rootfs (read-only). */
function writeConfig(id: string, args: string[], change: (config: Record<string, unknown>) => void = () => {}): void {
  const config: Record<string, unknown> = {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ["PATH=/bin:/usr/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] },
      noNewPrivileges: true,
    },
    root: { path: ROOTFS, readonly: true },
    hostname: "oci-test",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    ],
    linux: {
      namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "network" }],
      cgroupsPath: `${cgroupParent}/${id}`,
      resources: { devices: [{ allow: false, access: "rwm" }] },
      maskedPaths: ["/proc/kcore"],
      readonlyPaths: ["/proc/sys"],
    },
  };
  change(config);
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
}

/**
 * The runtime as engines call it. A created container keeps create's stdio, as runc's does, so a
 * caller must not read create's output to its end (the init holds it): create writes to files.
 */
async function runtime(args: string[], opts: { root?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!args.includes("create") && !args.includes("run")) return minic(args, opts.root ?? root);
  const out = join(bundle, `out-${Math.random()}`);
  const err = join(bundle, `err-${Math.random()}`);
  const child = spawn([MINIC, ...args], { env: { ...process.env, MINIC_ROOT: opts.root ?? root }, stdout: Bun.file(out), stderr: Bun.file(err) });
  const code = await child.exited;
  return { code, stdout: readFileSync(out, "utf8"), stderr: readFileSync(err, "utf8") };
}

describe("runc's lifecycle", () => {
  test("create parks the init (pid file, state created), start runs it with create's stdout, kill and delete end it", async () => {
    const id = newId();
    writeConfig(id, ["sh", "-c", "echo hostname=$(hostname) pid=$$; sleep 30"]);
    const output = join(bundle, "out");
    const create = spawn([MINIC, "create", "--bundle", bundle, "--pid-file", join(bundle, "pid"), id], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: Bun.file(output),
      stderr: "pipe",
    });
    expect(await create.exited).toBe(0);
    const pid = Number(readFileSync(join(bundle, "pid"), "utf8"));
    const created = JSON.parse((await runtime(["state", id])).stdout);
    expect(created).toMatchObject({ ociVersion: "1.2.0", id, status: "created", pid, bundle });
    expect(readFileSync(output, "utf8")).toBe("");

    expect((await runtime(["start", id])).code).toBe(0);
    await waitFor(() => readFileSync(output, "utf8").length > 0);
    expect(readFileSync(output, "utf8")).toBe("hostname=oci-test pid=1\n");
    expect(JSON.parse((await runtime(["state", id])).stdout).status).toBe("running");

    expect((await runtime(["kill", id, "KILL"])).code).toBe(0);
    await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] === "Z");
    await Bun.sleep(50);
    const stopped = JSON.parse((await runtime(["state", id])).stdout);
    expect(stopped).toMatchObject({ status: "stopped", pid: 0 });
    expect((await runtime(["delete", id])).code).toBe(0);
    expect((await runtime(["state", id])).code).toBe(1);
    expect(leftovers(root)).toEqual([]);
  });

  test("delete: a created or running container only with --force, as the runtime spec says", async () => {
    const parked = newId();
    writeConfig(parked, ["sleep", "30"]);
    expect((await runtime(["create", "--bundle", bundle, parked])).code).toBe(0);
    expect((await runtime(["delete", parked])).stderr).toBe(`minic: cannot delete container ${parked} that is not stopped: created (use delete --force)\n`);
    expect((await runtime(["delete", "--force", parked])).code).toBe(0);
    const running = newId();
    writeConfig(running, ["sleep", "30"]);
    expect((await runtime(["create", "--bundle", bundle, running])).code).toBe(0);
    expect((await runtime(["start", running])).code).toBe(0);
    const refused = await runtime(["delete", running]);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 1, stderr: `minic: cannot delete container ${running} that is not stopped: running (use delete --force)\n` });
    expect((await runtime(["delete", "--force", running])).code).toBe(0);
    expect(leftovers(root)).toEqual([]);
  });

  test("--root holds the state; --log --log-format json gets the error engines read", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "minic-root-"));
    try {
      const id = newId();
      writeConfig(id, ["true"]);
      expect((await runtime(["--root", elsewhere, "create", "--bundle", bundle, id])).code).toBe(0);
      expect(existsSync(join(elsewhere, "containers", id, "state.json"))).toBe(true);
      expect((await minic(["--root", elsewhere, "delete", "--force", id], root)).code).toBe(0);
      const logFile = join(bundle, "log.json");
      const failed = await minic(["--root", elsewhere, "--log", logFile, "--log-format", "json", "state", "nope"], root);
      expect(failed.code).toBe(1);
      const entry = JSON.parse(readFileSync(logFile, "utf8").trim());
      expect(entry).toMatchObject({ level: "error", msg: "container nope does not exist" });
    } finally {
      // A test failing half-way must not leave its parked init in a root nobody cleans.
      for (const name of existsSync(join(elsewhere, "containers")) ? readdirSync(join(elsewhere, "containers")) : []) {
        await minic(["--root", elsewhere, "delete", "--force", name], root);
      }
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("runc's exec", () => {
  test("--process FILE or a command joins the running container; the exit status is the process's; --detach returns with its pid", async () => {
    const id = newId();
    writeConfig(id, ["sleep", "30"]);
    expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
    expect((await runtime(["start", id])).code).toBe(0);
    const processFile = join(bundle, "process.json");
    writeFileSync(processFile, JSON.stringify({ args: ["sh", "-c", "echo pid=$$ host=$(hostname); exit 7"], cwd: "/", user: { uid: 0, gid: 0 }, env: ["PATH=/bin"] }));
    const viaFile = await runtime(["exec", "--process", processFile, id]);
    expect({ code: viaFile.code, stdout: viaFile.stdout }).toMatchObject({ code: 7, stdout: expect.stringMatching(/^pid=\d+ host=oci-test\n$/) });
    const viaFlags = await runtime(["exec", "--cwd", "/proc", "--env", "X=1", id, "sh", "-c", "echo $X $(pwd)"]);
    expect(viaFlags.stdout).toBe("1 /proc\n");
    const pidFile = join(bundle, "exec.pid");
    const out = join(bundle, "exec.out");
    const detached = spawn([MINIC, "exec", "--detach", "--pid-file", pidFile, id, "sh", "-c", "sleep 0.2; echo later"], { env: { ...process.env, MINIC_ROOT: root }, stdout: Bun.file(out), stderr: "inherit" });
    expect(await detached.exited).toBe(0);
    expect(Number(readFileSync(pidFile, "utf8"))).toBeGreaterThan(1);
    await waitFor(() => readFileSync(out, "utf8") === "later\n");
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    const stopped = await runtime(["exec", "--process", processFile, id]);
    expect({ code: stopped.code, stderr: stopped.stderr }).toEqual({ code: 1, stderr: `minic: container ${id} does not exist\n` });
  });
});

describe("runc's run", () => {
  test("in the foreground: the process's output and exit status, signals forwarded, the container deleted after", async () => {
    const id = newId();
    writeConfig(id, ["sh", "-c", "echo pid=$$; exit 9"]);
    const done = await runtime(["run", "--bundle", bundle, id]);
    expect({ code: done.code, stdout: done.stdout }).toEqual({ code: 9, stdout: "pid=1\n" });
    expect((await runtime(["state", id])).code).toBe(1);
    const signalled = newId();
    writeConfig(signalled, ["sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; while true; do sleep 0.1; done"]);
    const out = join(bundle, "run.out");
    const child = spawn([MINIC, "run", "--bundle", bundle, signalled], { env: { ...process.env, MINIC_ROOT: root }, stdout: Bun.file(out), stderr: "inherit" });
    await waitFor(() => existsSync(out) && readFileSync(out, "utf8").includes("ready"));
    child.kill("SIGTERM");
    expect(await child.exited).toBe(3);
    expect(readFileSync(out, "utf8")).toBe("ready\ngot-term\n");
    expect(leftovers(root)).toEqual([]);
  });

  test("--detach: returns once the process runs, with its pid in --pid-file", async () => {
    const id = newId();
    writeConfig(id, ["sleep", "30"]);
    const pidFile = join(bundle, "run.pid");
    expect((await runtime(["run", "--detach", "--pid-file", pidFile, "--bundle", bundle, id])).code).toBe(0);
    const state = JSON.parse((await runtime(["state", id])).stdout);
    expect(state).toMatchObject({ status: "running", pid: Number(readFileSync(pidFile, "utf8")) });
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
  });
});

describe("more of config.json", () => {
  test("domainname in the container's UTS namespace; personality LINUX32", async () => {
    const id = newId();
    writeConfig(id, ["sh", "-c", "echo $(cat /proc/sys/kernel/domainname) $(uname -m)"], (config) => {
      config.domainname = "example.org";
      (config.linux as Record<string, unknown>).personality = { domain: "LINUX32" };
    });
    const ran = await runtime(["run", "--bundle", bundle, id]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 0, stdout: `example.org ${process.arch === "arm64" ? "armv8l" : "i686"}\n` });
  });
});

describe("runc's --preserve-fds", () => {
  test("fds 3 .. 3+N-1 of the caller reach the process; without it, none does", async () => {
    const id = newId();
    writeConfig(id, ["sh", "-c", "cat <&3 2>/dev/null || echo no-fd-3"]);
    writeFileSync(join(bundle, "passed.txt"), "through fd 3\n");
    const run = (extra: string[]) => {
      const script = `exec 3<${join(bundle, "passed.txt")}; exec ${MINIC} run ${extra.join(" ")} --bundle ${bundle} ${id}`;
      return Bun.spawnSync(["sh", "-c", script], { env: { ...process.env, MINIC_ROOT: root } });
    };
    expect(run(["--preserve-fds", "1"]).stdout.toString()).toBe("through fd 3\n");
    expect(run([]).stdout.toString()).toBe("no-fd-3\n");
    expect(leftovers(root)).toEqual([]);
  });
});

describe("runc's update and events", () => {
  test("update writes new limits to the cgroup and the config; events reports usage", async () => {
    const id = newId();
    writeConfig(id, ["sleep", "30"]);
    expect((await runtime(["run", "--detach", "--bundle", bundle, id])).code).toBe(0);
    expect((await runtime(["update", "--pids-limit", "20", "--memory", "64m", id])).code).toBe(0);
    const cgroups = JSON.parse(readFileSync(join(root, "containers", id, "state.json"), "utf8")).cgroup.dirs as { path: string; controllers: string[] }[];
    const pids = cgroups.find((dir) => dir.controllers.includes("pids"));
    expect(pids).toBeDefined();
    expect(readFileSync(join(pids?.path ?? "", "pids.max"), "utf8").trim()).toBe("20");
    expect(JSON.parse(readFileSync(join(root, "containers", id, "config.json"), "utf8")).linux.resources).toMatchObject({ pids: { limit: 20 }, memory: { limit: 64 << 20 } });
    const bad = await runtime(["update", "--memory", "lots", id]);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: 'minic: invalid --memory "lots": expected a size such as 64m\n' });
    const event = JSON.parse((await runtime(["events", "--stats", id])).stdout);
    expect(event).toMatchObject({ type: "stats", id, data: { pids: { current: 1, limit: 20 } } });
    expect(event.data.memory.usage.usage).toBeGreaterThan(0);
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
  });
});

describe("cgroupsPath in systemd's form", () => {
  test("SLICE:PREFIX:NAME is made where systemd would make it, and removed with the container", async () => {
    const id = newId();
    const slice = `minictest${process.pid}.slice`;
    writeConfig(id, ["sleep", "30"], (config) => ((config.linux as Record<string, unknown>).cgroupsPath = `${slice}:oci:${id}`));
    try {
      expect((await runtime(["run", "--detach", "--bundle", bundle, id])).code).toBe(0);
      const dirs = JSON.parse(readFileSync(join(root, "containers", id, "state.json"), "utf8")).cgroup.dirs as { path: string }[];
      expect(dirs.length).toBeGreaterThan(0);
      for (const dir of dirs) expect(dir.path.endsWith(`/${slice}/oci-${id}.scope`)).toBe(true);
      const { pid } = JSON.parse((await runtime(["state", id])).stdout) as { pid: number };
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toContain(`/${slice}/oci-${id}.scope`);
      expect((await runtime(["delete", "--force", id])).code).toBe(0);
      for (const dir of dirs) expect(existsSync(dir.path)).toBe(false);
    } finally {
      for (const hierarchy of ["", ...readdirSync("/sys/fs/cgroup")]) {
        try {
          rmdirSync(join("/sys/fs/cgroup", hierarchy, slice));
        } catch {
          // not made in this hierarchy
        }
      }
    }
  });
});

describe("linux.resources.blockIO", () => {
  test("a read throttle on a disk reaches the container's blkio (v1) or io (v2) cgroup", async () => {
    const disk = readdirSync("/sys/block").find((name) => !name.startsWith("loop") && !name.startsWith("zram") && !name.startsWith("ram"));
    expect(disk).toBeDefined();
    const [major, minor] = readFileSync(`/sys/block/${disk}/dev`, "utf8").trim().split(":").map(Number);
    const id = newId();
    writeConfig(id, ["sleep", "30"], (config) => {
      const linux = config.linux as { resources: Record<string, unknown> };
      linux.resources.blockIO = { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] };
    });
    const ran = await runtime(["run", "--detach", "--bundle", bundle, id]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const cgroups = JSON.parse(readFileSync(join(root, "containers", id, "state.json"), "utf8")).cgroup.dirs as { path: string; controllers: string[] }[];
    const blkio = cgroups.find((dir) => dir.controllers.includes("blkio"));
    const io = cgroups.find((dir) => dir.controllers.includes("io"));
    const written = blkio !== undefined ? readFileSync(join(blkio.path, "blkio.throttle.read_bps_device"), "utf8") : readFileSync(join(io?.path ?? "", "io.max"), "utf8");
    expect(written).toContain(blkio !== undefined ? `${major}:${minor} 1048576` : `${major}:${minor} rbps=1048576`);
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    expect(leftovers(root)).toEqual([]);
  });
});

describe("how the root is entered, and which mount namespace", () => {
  const probe = testProgram("probe", join(REPO, ".cache"));
  const withProbe = (config: Record<string, unknown>) => {
    (config.mounts as unknown[]).push({ destination: "/probe", type: "bind", source: probe, options: ["bind", "ro"] });
    const caps = ["CAP_KILL", "CAP_SYS_CHROOT"];
    (config.process as Record<string, unknown>).capabilities = { bounding: caps, effective: caps, permitted: caps };
  };
  /** The host's mount points below `dir`, from this process's mount table. */
  const mountsBelow = (dir: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => line.split(" ")[4]?.startsWith(`${dir}/`));

  test("pivot_root, or with --no-pivot (runc's, for roots pivot_root refuses) MS_MOVE and chroot: either way the root is the bundle's and a chroot escape stays inside", async () => {
    const id = newId();
    writeConfig(id, ["sh", "-c", `/probe chroot-escape ${join(bundle, "config.json")}; awk '$5 == "/"' /proc/self/mountinfo | wc -l; ls /bin/busybox`], withProbe);
    for (const flags of [[], ["--no-pivot"]]) {
      const ran = await runtime(["run", ...flags, "--bundle", bundle, id]);
      expect({ flags, code: ran.code, stdout: ran.stdout }).toEqual({ flags, code: 0, stdout: "contained\n1\n/bin/busybox\n" });
    }
    expect(leftovers(root)).toEqual([]);
  });

  test("--no-new-keyring keeps the caller's session keyring, for the init and for exec; by default the container has its own", async () => {
    const host = spawnSync(probe, ["keyring"], { encoding: "utf8" }).stdout;
    expect(host).toMatch(/^keyring \d+\n$/);
    const id = newId();
    writeConfig(id, ["/probe", "keyring"], withProbe);
    expect((await runtime(["run", "--no-new-keyring", "--bundle", bundle, id])).stdout).toBe(host);
    const own = (await runtime(["run", "--bundle", bundle, id])).stdout;
    expect(own).toMatch(/^keyring \d+\n$/);
    expect(own).not.toBe(host);
    writeConfig(id, ["sleep", "30"], withProbe);
    expect((await runtime(["run", "--detach", "--no-new-keyring", "--bundle", bundle, id])).code).toBe(0);
    expect((await runtime(["exec", id, "/probe", "keyring"])).stdout).toBe(host);
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
  });

  test("a mount namespace joined by path: the container is set up inside it", async () => {
    const holder = spawn(["unshare", "--mount", "--propagation", "private", "sleep", "60"]);
    try {
      const path = `/proc/${holder.pid}/ns/mnt`;
      await waitFor(() => readlinkSync(path) !== readlinkSync("/proc/self/ns/mnt"));
      const id = newId();
      writeConfig(id, ["sleep", "30"], (config) => {
        const linux = config.linux as { namespaces: { type: string; path?: string }[] };
        linux.namespaces = linux.namespaces.map((ns) => (ns.type === "mount" ? { type: "mount", path } : ns));
      });
      expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
      const { pid } = JSON.parse((await runtime(["state", id])).stdout) as { pid: number };
      expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync(path));
      expect(readFileSync(`/proc/${pid}/mountinfo`, "utf8")).toContain(" / ro,");
      expect((await runtime(["delete", "--force", id])).code).toBe(0);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  test("without a mount namespace: the caller's, mounts below the root taken back at delete; what needs one refused", async () => {
    // Its mounts are made on the host below its root: a copy of the rootfs, not the shared one.
    const rootfs = join(bundle, "rootfs");
    expect(spawnSync("cp", ["-a", ROOTFS, rootfs]).status).toBe(0);
    const id = newId();
    const noMountNamespace = (config: Record<string, unknown>) => {
      const linux = config.linux as Record<string, unknown> & { namespaces: { type: string }[] };
      linux.namespaces = linux.namespaces.filter((ns) => ns.type !== "mount");
      linux.maskedPaths = [];
      linux.readonlyPaths = [];
      config.root = { path: "rootfs", readonly: false };
    };
    writeConfig(id, ["sh", "-c", "cat /etc/hostname 2>/dev/null; ls /proc/1/ns >/dev/null && echo proc-ok; sleep 30"], noMountNamespace);
    expect((await runtime(["run", "--detach", "--bundle", bundle, id])).code).toBe(0);
    const { pid } = JSON.parse((await runtime(["state", id])).stdout) as { pid: number };
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync("/proc/self/ns/mnt"));
    expect(readlinkSync(`/proc/${pid}/root`)).toBe(rootfs);
    expect(mountsBelow(rootfs).length).toBeGreaterThanOrEqual(4);
    const exec = await runtime(["exec", id, "sh", "-c", "readlink /proc/self/root; test -e /bin/busybox && echo in-root"]);
    expect(exec.stdout).toBe("/\nin-root\n");
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    expect(mountsBelow(rootfs)).toEqual([]);

    // A create that fails after its mounts were made takes them back too.
    writeConfig(id, ["/no/such/command"], noMountNamespace);
    const failed = await runtime(["create", "--bundle", bundle, id]);
    expect(failed.code).toBe(1);
    expect(mountsBelow(rootfs)).toEqual([]);
    writeConfig(id, ["true"], (config) => {
      noMountNamespace(config);
      (config.linux as Record<string, unknown>).maskedPaths = ["/proc/kcore"];
    });
    const refused = await runtime(["create", "--bundle", bundle, id]);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 1, stderr: "minic: invalid spec: linux.maskedPaths needs a mount namespace (linux.namespaces has none)\n" });
    expect(leftovers(root)).toEqual([]);
  });
});

describe("runc's spec", () => {
  test("writes a config.json a bundle runs from, and never over an existing one", async () => {
    const written = await minic(["spec", "--bundle", bundle], root);
    expect(written.code).toBe(0);
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    expect(config).toMatchObject({ ociVersion: "1.2.0", root: { path: "rootfs", readonly: true }, process: { terminal: true, args: ["sh"] } });
    config.root.path = ROOTFS;
    config.process.terminal = false;
    config.process.args = ["sh", "-c", "echo from-spec $(hostname)"];
    const id = newId();
    config.linux.cgroupsPath = `${cgroupParent}/${id}`;
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    const ran = await runtime(["run", "--bundle", bundle, id]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 0, stdout: "from-spec minic\n" });
    const again = await minic(["spec", "--bundle", bundle], root);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: `minic: ${bundle}/config.json exists: remove it first\n` });
  });
});

describe("runc's ps, pause and resume", () => {
  test("ps lists the container's processes by host pid; pause freezes them (state paused), resume thaws; a paused one is deletable with --force", async () => {
    const id = newId();
    writeConfig(id, ["sh", "-c", "while true; do sleep 0.1; done"]);
    expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
    expect((await runtime(["start", id])).code).toBe(0);
    const init = JSON.parse((await runtime(["state", id])).stdout).pid;
    const pids = JSON.parse((await runtime(["ps", "--format", "json", id])).stdout);
    expect(pids).toContain(init);
    const table = (await runtime(["ps", id])).stdout.split("\n");
    expect(table[0]).toMatch(/^UID +PID +PPID/);
    expect(table.some((row) => row.includes("while true"))).toBe(true);
    // As engines call it: with runc's global flags (without, `pause` is Docker's, by name).
    expect((await runtime(["--root", root, "pause", id])).code).toBe(0);
    expect(JSON.parse((await runtime(["state", id])).stdout).status).toBe("paused");
    expect(readFileSync(`/proc/${init}/status`, "utf8")).toMatch(/^State:\s+[DST]/m);
    const again = await runtime(["--root", root, "pause", id]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: `minic: container ${id} is already paused\n` });
    expect((await runtime(["resume", id])).code).toBe(0);
    expect(JSON.parse((await runtime(["state", id])).stdout).status).toBe("running");
    expect((await runtime(["--root", root, "pause", id])).code).toBe(0);
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    expect(leftovers(root)).toEqual([]);
  });
});

describe("a terminal through --console-socket", () => {
  test("the master goes over the socket; the process has the terminal as its stdio", async () => {
    const recvtty = testProgram("recvtty", join(REPO, ".cache"));
    const socket = join(bundle, "console.sock");
    const receiver = spawn([recvtty, socket], { stdout: "pipe", stderr: "pipe" });
    const reader = receiver.stdout.getReader();
    const decoder = new TextDecoder();
    let received = "";
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(received)) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value);
      }
    };
    await readUntil(/listening\n/);
    const id = newId();
    writeConfig(id, ["sh", "-c", "echo tty=$(tty) stdin=$(readlink /proc/self/fd/0)"], (config) => {
      (config.process as Record<string, unknown>).terminal = true;
    });
    expect((await runtime(["create", "--bundle", bundle, "--console-socket", socket, id])).code).toBe(0);
    await readUntil(/received \/dev\/ptmx\n/);
    expect((await runtime(["start", id])).code).toBe(0);
    await readUntil(/stdin=\S+/);
    expect(received.replace(/\r/g, "")).toContain("tty=/dev/pts/0 stdin=/dev/pts/0");
    receiver.kill();
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
  });

  test("a terminal without a console socket, or a socket nobody listens on: one line, exit 1", async () => {
    const id = newId();
    writeConfig(id, ["true"], (config) => {
      (config.process as Record<string, unknown>).terminal = true;
    });
    const without = await runtime(["create", "--bundle", bundle, id]);
    expect({ code: without.code, stderr: without.stderr }).toEqual({ code: 1, stderr: "minic: process.terminal needs --console-socket: the container's terminal must go to whoever will hold it\n" });
    const nobody = await runtime(["create", "--bundle", bundle, "--console-socket", join(bundle, "none.sock"), id]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe(`minic: cannot send the terminal to the console socket ${join(bundle, "none.sock")}: No such file or directory\n`);
    writeFileSync(join(bundle, "file.sock"), "");
    const notSocket = await runtime(["create", "--bundle", bundle, "--console-socket", join(bundle, "file.sock"), id]);
    expect({ code: notSocket.code, lines: notSocket.stderr.split("\n").length }).toEqual({ code: 1, lines: 2 });
    expect(notSocket.stderr).toStartWith(`minic: cannot send the terminal to the console socket ${join(bundle, "file.sock")}: `);
    expect(leftovers(root)).toEqual([]);
  });
});

describe("what engines ask before and around", () => {
  test("list shows every container's state; features says what minic implements", async () => {
    const id = newId();
    writeConfig(id, ["sleep", "30"]);
    expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
    const listed = JSON.parse((await runtime(["list", "--format", "json"])).stdout);
    expect(listed).toEqual([expect.objectContaining({ id, status: "created", bundle })]);
    expect((await runtime(["list", "-q"])).stdout).toBe(`${id}\n`);
    expect((await runtime(["list"])).stdout).toMatch(new RegExp(`^ID +PID +STATUS +BUNDLE +CREATED +OWNER\\n${id} +\\d+ +created +${bundle} `));
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    const features = JSON.parse((await runtime(["features"])).stdout);
    expect(features).toMatchObject({ ociVersionMax: "1.2.0", hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"], linux: { cgroup: { v1: true, v2: true, systemd: false } } });
    expect(features.linux.seccomp.actions).toContain("SCMP_ACT_ERRNO");
    expect(features.mountOptions).toContain("rbind");
    // runc's --version shape, which engines log.
    expect((await runtime(["--version"])).stdout).toMatch(/^minic version \d+\.\d+\.\d+\ncommit: [0-9a-f]{12}(-dirty)?\nbuilt: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nspec: 1\.2\.0\nbun: \d+\.\d+\.\d+\nlibseccomp: \d+\.\d+\.\d+\n$/);
    // docker version's shape for `minic version`.
    expect((await minic(["version"], root)).stdout).toMatch(/^minic:\n Version: +\d+\.\d+\.\d+\n Git commit: +[0-9a-f]{12}(-dirty)?\n Built: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n Bun version: +\d+\.\d+\.\d+\n OS\/Arch: +linux\/(amd64|arm64)\n OCI runtime spec: +1\.2\.0\n libseccomp: +\d+\.\d+\.\d+\n$/);
    expect((await minic(["--root", root, "--version"], root)).stdout).toBe((await runtime(["--version"])).stdout);
  });
});

describe("bad input: one line, exit 1, nothing left behind", () => {
  test("config.json missing, malformed or asking for what minic does not do; ids taken or malformed", async () => {
    const id = newId();
    const expectOne = async (args: string[], message: string) => {
      const result = await runtime(args);
      expect({ code: result.code, stderr: result.stderr.split("\n").filter((line) => !line.includes("warning")).join("\n") }).toEqual({ code: 1, stderr: `${message}\n` });
    };
    await expectOne(["create", "--bundle", bundle, id], `minic: cannot read ${bundle}/config.json: no such file or directory`);
    writeFileSync(join(bundle, "config.json"), "{ nope");
    await expectOne(["create", "--bundle", bundle, id], `minic: invalid spec: ${bundle}/config.json is not valid JSON (JSON Parse error: Expected '}')`);
    writeConfig(id, ["true"], (config) => ((config.linux as Record<string, unknown>).intelRdt = { closID: "x" }));
    await expectOne(["create", "--bundle", bundle, id], "minic: invalid spec: linux.intelRdt is not supported by minic");
    writeConfig(id, ["sleep", "30"]);
    await expectOne(["create", "--bundle", bundle, "../x"], 'minic: invalid container name "../x": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most 128 characters');
    expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
    await expectOne(["create", "--bundle", bundle, id], `minic: container with id ${id} exists`);
    await expectOne(["--root", root, "kill", id, "NOSUCHSIGNAL"], "minic: invalid signal: NOSUCHSIGNAL");
    expect((await runtime(["start", id])).code).toBe(0);
    await expectOne(["--root", root, "start", id], `minic: cannot start container ${id}: it is already running`);
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    await expectOne(["state", id], `minic: container ${id} does not exist`);
    expect(leftovers(root)).toEqual([]);
  });
});

describe("hooks", () => {
  test("prestart at start before the process, poststart after it, poststop after delete, each with the state on stdin", async () => {
    const id = newId();
    const log = join(bundle, "hooks.log");
    const hook = (name: string) => ({ path: "/bin/sh", args: ["sh", "-c", `cat > ${bundle}/${name}.json; echo ${name} >> ${log}`], timeout: 5 });
    writeConfig(id, ["true"], (config) => {
      config.hooks = { prestart: [hook("prestart")], poststart: [hook("poststart")], poststop: [hook("poststop")] };
      config.annotations = { "org.example": "yes" };
    });
    expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
    expect(existsSync(log)).toBe(false);
    expect((await runtime(["start", id])).code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("prestart\npoststart\n");
    const pid = JSON.parse(readFileSync(join(bundle, "prestart.json"), "utf8")).pid;
    expect(JSON.parse(readFileSync(join(bundle, "prestart.json"), "utf8"))).toEqual({ ociVersion: "1.2.0", id, status: "created", pid, bundle, annotations: { "org.example": "yes" } });
    expect(JSON.parse(readFileSync(join(bundle, "poststart.json"), "utf8"))).toMatchObject({ id, status: "running", pid });
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("prestart\npoststart\npoststop\n");
    expect(JSON.parse(readFileSync(join(bundle, "poststop.json"), "utf8"))).toMatchObject({ id, status: "stopped", bundle });
  });

  test("createRuntime on the host and createContainer in the container's namespaces at create; startContainer inside it at start", async () => {
    const id = newId();
    const log = join(bundle, "hooks.log");
    writeConfig(id, ["true"], (config) => {
      config.hooks = {
        createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", `echo createRuntime $(readlink /proc/self/ns/uts) >> ${log}`] }],
        createContainer: [{ path: "/bin/sh", args: ["sh", "-c", `echo createContainer $(readlink /proc/self/ns/uts) >> ${log}`] }],
      };
    });
    expect((await runtime(["create", "--bundle", bundle, id])).code).toBe(0);
    const pid = JSON.parse((await runtime(["state", id])).stdout).pid;
    const [runtimeLine, containerLine] = readFileSync(log, "utf8").trim().split("\n");
    expect(runtimeLine).toBe(`createRuntime ${readlinkSync("/proc/self/ns/uts")}`);
    expect(containerLine).toBe(`createContainer ${readlinkSync(`/proc/${pid}/ns/uts`)}`);
    expect((await runtime(["start", id])).code).toBe(0);
    expect((await runtime(["delete", "--force", id])).code).toBe(0);
    // startContainer: inside the container (its root, its namespaces), before the process runs.
    const started = newId();
    writeConfig(started, ["cat", "/scratch/started"], (config) => {
      (config.mounts as unknown[]).push({ destination: "/scratch", type: "tmpfs", source: "tmpfs" });
      config.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo in $(hostname) > /scratch/started"] }] };
    });
    const ran = await runtime(["run", "--bundle", bundle, started]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 0, stdout: "in oci-test\n" });
    const failing = newId();
    writeConfig(failing, ["true"], (config) => (config.hooks = { createContainer: [{ path: "/bin/false" }] }));
    const refused = await runtime(["create", "--bundle", bundle, failing]);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 1, stderr: "minic: createContainer hook /bin/false exited with 1\n" });
    expect(leftovers(root)).toEqual([]);
  });

  test("a failing prestart hook fails start, and the container is stopped and deleted; a failing poststart one is a warning", async () => {
    const failing = newId();
    writeConfig(failing, ["sleep", "30"], (config) => (config.hooks = { prestart: [{ path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 3"] }] }));
    expect((await runtime(["create", "--bundle", bundle, failing])).code).toBe(0);
    const start = await runtime(["start", failing]);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain("prestart hook /bin/sh exited with 3: nope");
    expect((await runtime(["state", failing])).stderr).toBe(`minic: container ${failing} does not exist\n`);
    const warned = newId();
    writeConfig(warned, ["true"], (config) => (config.hooks = { poststart: [{ path: "/bin/false" }] }));
    expect((await runtime(["create", "--bundle", bundle, warned])).code).toBe(0);
    const ok = await runtime(["start", warned]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain("minic: warning: poststart hook /bin/false exited with 1");
  });
});
