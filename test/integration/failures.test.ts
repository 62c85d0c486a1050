// Every failure: one line on stderr, Docker's exit code, and nothing left behind
// (no mount on the host, no state, no process).
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostMounts, leftovers, MINIC, minic, minicCgroups, ownCgroupParent, removeCgroupParent, ROOTFS, stateDir, useCgroupParent } from "../support/minic.ts";

// This file's containers go under a cgroup parent of its own: its assertions count only them.
const CGROUP_PARENT = ownCgroupParent("failures");
afterAll(() => removeCgroupParent(CGROUP_PARENT));

let root = "";
let mountsBefore = "";
let cgroupsBefore: string[] = [];
beforeEach(() => {
  useCgroupParent(CGROUP_PARENT);
  root = stateDir();
  mountsBefore = hostMounts();
  cgroupsBefore = minicCgroups();
});
afterEach(() => {
  expect(hostMounts()).toBe(mountsBefore);
  expect(minicCgroups()).toEqual(cgroupsBefore);
  // Only the skeleton may remain: the two empty top-level directories and the executor's source.
  expect(leftovers(root)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
  useCgroupParent(null);
});

async function fails(args: string[], message: string | RegExp, code = 125): Promise<void> {
  const r = await minic(args, root);
  expect(r.code).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n").length).toBe(2); // one line and its newline
  if (typeof message === "string") expect(r.stderr).toBe(`minic: ${message}\n`);
  else expect(r.stderr).toMatch(message);
}

describe("bad input", () => {
  test("missing rootfs", () => fails(["run", "--rootfs", "/no/such/rootfs", "true"], "rootfs /no/such/rootfs does not exist (build one with `minic build`, or pass --rootfs DIR)"));

  test("rootfs that is not a directory", () => fails(["run", "--rootfs", "/etc/hostname", "true"], "rootfs /etc/hostname is not a directory"));

  test("unknown flag and missing flag value", async () => {
    await fails(["run", "--frobnicate", "true"], "unknown flag: --frobnicate (see 'minic run --help')");
    await fails(["run", "--name"], "flag needs an argument: --name (see 'minic run --help')");
    await fails(["run", "-Z", "true"], "unknown flag: -Z (see 'minic run --help')");
  });

  test("bad -e, bad -w, bad --network", async () => {
    await fails(["run", "--rootfs", ROOTFS, "-e", "=value", "true"], 'invalid environment variable: "=value" (expected -e KEY=VALUE or -e KEY)');
    await fails(["run", "--rootfs", ROOTFS, "-e", "", "true"], 'invalid environment variable: "" (expected -e KEY=VALUE or -e KEY)');
    await fails(["run", "--rootfs", ROOTFS, "-w", "relative", "true"], 'the working directory "relative" is invalid: it needs to be an absolute path');
    await fails(["run", "--rootfs", ROOTFS, "--network", "bad/name", "true"], 'invalid --network "bad/name": expected bridge, host, none, slirp4netns, container:NAME or a network\'s name');
    await fails(["run", "--rootfs", ROOTFS, "--network", "overlay", "true"], "no such network: overlay (see 'minic network ls')");
  });

  test("unknown command", () => fails(["frob"], "unknown command \"frob\" (see 'minic --help')"));

  test("global flags: an unknown one is a flag, not a command; no command at all is the help, exit 0", async () => {
    await fails(["--vers"], "unknown flag: --vers (did you mean --version? see 'minic --help')");
    await fails(["-x", "ps"], "unknown flag: -x (see 'minic --help')");
    const bare = await minic([], root);
    expect({ code: bare.code, usage: bare.stdout.split("\n")[0] }).toEqual({ code: 0, usage: "Usage:  minic [OPTIONS] COMMAND [ARG...]" });
    expect((await minic(["help", "--help"], root)).code).toBe(0);
  });

  test("network's commands: each its own help; a misspelt one or a flag of another's is named", async () => {
    const help = await minic(["network", "create", "--help"], root);
    expect(help.stdout).toStartWith("Usage:  minic network create [OPTIONS] NETWORK\n");
    expect(help.stdout).toContain("--subnet CIDR");
    expect(help.stdout).not.toContain("--alias");
    await fails(["network", "crate"], "unknown network command \"crate\" (did you mean \"create\"? see 'minic network --help')");
    await fails(["network", "ls", "--alias", "x"], "unknown flag: --alias (see 'minic network ls --help')");
    await fails(["network", "connect", "n"], "network connect needs a network and a container (see 'minic network connect --help')");
  });

  test("--debug: the stack trace names minic's source files and lines", async () => {
    const r = await minic(["--debug", "rm", "no-such-container"], root);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^minic: no such container: no-such-container\nMinicError: no such container: no-such-container\n {4}at \w+ \(src\/state\/store\.ts:\d+:\d+\)\n/);
  });

  test("rm of an unknown container, and rm without arguments", async () => {
    await fails(["rm", "ghost"], "no such container: ghost");
    await fails(["rm"], "rm needs at least one container name or id (see 'minic rm --help')");
  });

  test("not running as root: a rootless container, whose user cannot reach root's rootfs", async () => {
    const r = Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", MINIC, "run", "--network", "none", "--rootfs", ROOTFS, "true"], {
      env: { ...process.env, MINIC_ROOT: root },
    });
    expect(r.exitCode).toBe(125);
    expect(r.stderr.toString()).toMatch(/^(minic: warning: .* has no subordinate ids .*\n)?minic: rootfs .* belongs to uid 0, whom this rootless container cannot map: .*\n$/);
  });

  test("rootfs without the command (127) or with an unrunnable one (126)", async () => {
    await fails(["rm", ""], "the container name or id is empty");
    await fails(["exec", "", "ls"], "the container name or id is empty");
    // A Docker user's image name where minic expects the command gets a hint.
    await fails(["run", "--rootfs", ROOTFS, "python3"], 'exec: "python3": executable file not found in $PATH (is "python3" an image? minic runs a root filesystem given with --rootfs, which minic build makes)', 127);
    await fails(["run", "--rootfs", ROOTFS, "docker.io/library/busybox"], 'exec: "docker.io/library/busybox": no such file or directory (is "docker.io/library/busybox" an image? minic runs a root filesystem given with --rootfs, which minic build makes)', 127);
    await fails(["run", "--rootfs", ROOTFS, "./nothing"], 'exec: "./nothing": no such file or directory', 127);
    await fails(["run", "--rootfs", ROOTFS, "bin/app"], 'exec: "bin/app": no such file or directory', 127);
    await fails(["run", "--rootfs", ROOTFS, "library/alpine:3.19"], 'exec: "library/alpine:3.19": no such file or directory (is "library/alpine:3.19" an image? minic runs a root filesystem given with --rootfs, which minic build makes)', 127);
    await fails(["run", "--rootfs", ROOTFS, "/dev/null"], 'exec: "/dev/null": permission denied', 126);
  });
});

describe("setup failure halfway", () => {
  test("a working directory that cannot be made fails after the mounts and leaves nothing", () =>
    fails(["run", "--rootfs", ROOTFS, "--name", "half", "-w", "/proc/sys/minic", "true"], /^minic: mkdir \/proc\/sys\/minic: (Read-only file system|No such file or directory)\n$/));

  test("a rootfs whose /dev is a file fails at the /dev mount and leaves nothing", async () => {
    const broken = mkdtempSync(join(tmpdir(), "minic-broken-"));
    try {
      cpSync(ROOTFS, broken, { recursive: true, verbatimSymlinks: true });
      rmSync(join(broken, "dev"), { recursive: true });
      writeFileSync(join(broken, "dev"), "not a directory");
      await fails(["run", "--rootfs", broken, "true"], /^minic: mkdir \/dev: File exists\n$|^minic: mount tmpfs on \/dev: Not a directory\n$/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  test("bad limits are caught before anything is made", async () => {
    await fails(["run", "--rootfs", ROOTFS, "--memory", "4m", "true"], 'invalid --memory "4m": the minimum is 6m');
    await fails(["run", "--rootfs", ROOTFS, "--memory", "lots", "true"], 'invalid --memory "lots": expected a size such as 64m (units b, k, m, g)');
    await fails(["run", "--rootfs", ROOTFS, "--pids-limit", "0", "true"], 'invalid --pids-limit "0": expected a whole number greater than 0');
    await fails(["run", "--rootfs", ROOTFS, "--cpus", "4096", "true"], /^minic: invalid --cpus "4096": the range is 0.01 to \d+\.00, as this host has \d+ CPUs?\n$/);
    await fails(["run", "--rootfs", ROOTFS, "--memory-swap", "1g", "true"], "--memory-swap needs --memory: the swap limit is memory and swap together");
  });

  test("a failure after the cgroup was made removes it", async () => {
    await fails(["run", "--rootfs", ROOTFS, "--memory", "64m", "--pids-limit", "5", "no-such-command"], 'exec: "no-such-command": executable file not found in $PATH (is "no-such-command" an image? minic runs a root filesystem given with --rootfs, which minic build makes)', 127);
    await fails(["run", "--rootfs", ROOTFS, "--memory", "64m", "-w", "/proc/sys/minic", "true"], /^minic: mkdir \/proc\/sys\/minic/);
  });

  test("a hostname the kernel refuses is caught before anything is made", () =>
    fails(["run", "--rootfs", ROOTFS, "--hostname", "x".repeat(65), "true"], /^minic: invalid hostname/));
});
