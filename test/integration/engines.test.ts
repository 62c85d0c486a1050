// Engines driving minic as their OCI runtime, as they drive runc: podman (through conmon), with
// its own private store, minic's own state directory and a cgroup parent of this file's own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { MINIC, ownCgroupParent, removeCgroupParent, ROOTFS, stateDir, tree } from "../support/minic.ts";
import { openTerminal } from "../support/tmux.ts";

// `make test` installs podman and conmon (TEST_DEBS): without them these tests fail, not skip.
const podmanInstalled = existsSync("/usr/bin/podman") && existsSync("/usr/bin/conmon");
let home = "";
let root = "";
const parent = ownCgroupParent("engines");

beforeAll(() => {
  if (!podmanInstalled) throw new Error("podman and conmon are missing: `make test` installs them (Debian's podman, conmon)");
  home = mkdtempSync(join(tmpdir(), "minic-podman-"));
  root = stateDir();
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  // podman's own conmon cgroups, empty once conmon has gone.
  for (const dir of parentCgroups()) {
    try {
      rmdirSync(dir);
    } catch {
      // still in use: reported by the container checks
    }
  }
  removeCgroupParent(parent);
});

/** podman with a store of its own, cgroupfs, and minic as its runtime. */
function podmanArgs(args: string[]): string[] {
  return [
    "podman", "--runtime", MINIC, "--root", join(home, "root"), "--runroot", join(home, "runroot"),
    "--cgroup-manager", "cgroupfs", "--events-backend", "file", ...args,
  ];
}

// podman's default rlimits exceed this machine's hard limits (MACHINE.md): it asks for these.
const RUN = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "none", "--cgroup-parent", parent, "--rootfs", ROOTFS];

async function podman(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(podmanArgs(args), { env: { ...process.env, MINIC_ROOT: root }, stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: 60_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/**
 * The container cgroups podman asked minic for under this file's parent, in every hierarchy
 * (libpod-ID); podman keeps conmon in a `conmon` cgroup of its own beside them.
 */
function containerCgroups(): string[] {
  return parentCgroups().filter((dir) => !dir.endsWith("/conmon"));
}

function parentCgroups(): string[] {
  return readdirSync("/sys/fs/cgroup", { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = join("/sys/fs/cgroup", entry.name, parent);
      return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((child) => child.isDirectory()).map((child) => join(dir, child.name)) : [];
    });
}

describe("podman with minic as its runtime", () => {
  test("run --rm: the command runs in the container with its exit status; nothing is left", async () => {
    const result = await podman(["run", "--rm", ...RUN, "sh", "-c", "echo pid=$$ seccomp=$(grep Seccomp: /proc/self/status | cut -f2); exit 3"]);
    expect(result.stdout).toBe("pid=1 seccomp=2\n");
    expect(result.code).toBe(3);
    expect(containerCgroups()).toEqual([]);
    expect(tree(join(root, "containers"))).toEqual([]);
  });

  test("-d, logs, exec, stop and rm, through conmon", async () => {
    const started = await podman(["run", "-d", "--name", "svc", ...RUN, "sh", "-c", "echo started; trap 'echo stopping; exit 0' TERM; while true; do sleep 0.1; done"]);
    expect(started.code).toBe(0);
    try {
      expect((await podman(["exec", "svc", "sh", "-c", "echo in-exec; ls /proc | grep -c '^[0-9]'"])).stdout).toMatch(/^in-exec\n\d+\n$/);
      expect((await podman(["stop", "-t", "5", "svc"])).code).toBe(0);
      expect((await podman(["logs", "svc"])).stdout).toBe("started\nstopping\n");
    } finally {
      await podman(["rm", "-f", "svc"]);
    }
    expect(containerCgroups()).toEqual([]);
    expect(tree(join(root, "containers"))).toEqual([]);
  });

  test("-it: a terminal through conmon's console socket", async () => {
    const terminal = openTerminal();
    try {
      terminal.keys(`MINIC_ROOT=${root} ${podmanArgs(["run", "--rm", "-it", ...RUN, "sh"]).join(" ")}; echo EXIT=$?`, "Enter");
      await terminal.waitFor(/^\/ #/m, 20_000);
      terminal.keys("echo tty=$(tty)", "Enter");
      await terminal.waitFor(/tty=\/dev\/pts\/0/);
      terminal.keys("exit 4", "Enter");
      await terminal.waitFor(/EXIT=4/, 20_000);
    } finally {
      terminal.close();
    }
  }, 30_000);
});
