// Process shapes beyond run: create/start from separate minic processes, exec into a running
// container (every namespace, the cgroup, the PID namespace), kill, and -u users.
import { beforeEach, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isolatedContainers, minic, ROOTFS, waitFor } from "../support/minic.ts";

// Each test: a private state directory and this file's own cgroup parent, nothing left after.
const stateRoot = isolatedContainers("shapes");
let root = "";
beforeEach(() => {
  root = stateRoot();
});

function readState(name: string): { id: string; status: string; process: { pid: number } | null } | null {
  try {
    const id = readlinkSync(join(root, "names", name));
    return JSON.parse(readFileSync(join(root, "containers", id, "state.json"), "utf8"));
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function started(name: string, command: string[]): Promise<number> {
  const created = await minic(["create", "--rootfs", ROOTFS, "--name", name, ...command], root);
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  expect((await minic(["start", name], root)).stdout).toBe(`${name}\n`);
  const pid = readState(name)?.process?.pid ?? 0;
  expect(pid).toBeGreaterThan(0);
  return pid;
}

describe("create and start", () => {
  test("the init is parked until start, from another minic process after the creator exited", async () => {
    const out = join(root, "out");
    mkdirSync(out);
    const created = await minic(["create", "--rootfs", ROOTFS, "--name", "parked", "-v", `${out}:/out`, "sh", "-c", "echo ran > /out/file; echo to-console; sleep 30"], root);
    expect(created.code).toBe(0);
    // The creator has exited; the init waits, set up, before its command.
    const state = readState("parked");
    expect(state?.status).toBe("created");
    expect(alive(state?.process?.pid ?? 0)).toBe(true);
    await Bun.sleep(200);
    expect(() => readFileSync(join(out, "file"))).toThrow();
    expect((await minic(["ps", "-a"], root)).stdout).toMatch(/ Created .* parked\n/);
    expect((await minic(["start", "parked"], root)).code).toBe(0);
    await waitFor(() => {
      try {
        return readFileSync(join(out, "file"), "utf8") === "ran\n";
      } catch {
        return false;
      }
    });
    expect((await minic(["ps"], root)).stdout).toMatch(/ Up .* parked\n/);
    // Created under conmon: its output is in its log.
    expect((await minic(["logs", "parked"], root)).stdout).toBe("to-console\n");
    // Docker's start of a running container changes nothing and says its name.
    const again = await minic(["start", "parked"], root);
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({ code: 0, stdout: "parked\n", stderr: "" });
  });

  test("a setup failure after the init exists stops it and takes everything back", async () => {
    const before = new Set(readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)));
    const r = await minic(["create", "--rootfs", ROOTFS, "--name", "broken", "-w", "/etc/passwd", "--memory", "64m", "true"], root);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("minic: chdir /etc/passwd: Not a directory\n");
    expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
    expect(readdirSync(join(root, "containers"))).toEqual([]);
    expect(readdirSync(join(root, "names"))).toEqual([]);
    // No parked or zombie init of ours is left: every new process since is gone again.
    const left = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry) && !before.has(entry) && (() => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("broken");
      } catch {
        return false;
      }
    })());
    expect(left).toEqual([]);
  });

  test("-d is refused with one line (a created container runs detached once started); -t, -i and --rm are conmon's to honour", async () => {
    const r = await minic(["create", "-d", "--rootfs", ROOTFS, "true"], root);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 125, stderr: "minic: create cannot take -d: a created container runs detached once started (use `minic start`, or `minic run -d`)\n" });
    expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
    const tty = await minic(["create", "-t", "--name", "termed", "--rootfs", ROOTFS, "sh", "-c", "test -t 1 && echo tty"], root);
    expect(tty.code).toBe(0);
    expect((await minic(["start", "-a", "termed"], root)).stdout.replace(/\r/g, "")).toBe("tty\n");
    await minic(["create", "--rm", "--name", "once", "--rootfs", ROOTFS, "true"], root);
    expect(readState("once")).not.toBeNull();
    await minic(["start", "once"], root);
    await waitFor(() => readState("once") === null, 5000);
  });

  test("a missing command fails at create with 127, leaving nothing", async () => {
    const r = await minic(["create", "--rootfs", ROOTFS, "--name", "missing", "nothere"], root);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('minic: exec: "nothere": executable file not found in $PATH (is "nothere" an image? minic runs a root filesystem given with --rootfs, which minic build makes)\n');
    expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
  });
});

describe("exec", () => {
  test("joins every namespace of the container, is inside its PID namespace, and sees its processes", async () => {
    const init = await started("target", ["sleep", "30"]);
    const types = ["pid", "mnt", "uts", "ipc", "net", "cgroup"];
    const r = await minic(["exec", "target", "sh", "-c", `for n in ${types.join(" ")}; do readlink /proc/self/ns/$n; done; echo pid=$$; ps -o pid,comm`], root);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, types.length)).toEqual(types.map((type) => readlinkSync(`/proc/${init}/ns/${type}`)));
    // Born inside the PID namespace: a small pid there, and PID 1 is the container's sleep.
    expect(lines[types.length]).toMatch(/^pid=\d+$/);
    expect(Number(lines[types.length]?.slice(4))).toBeLessThan(100);
    expect(r.stdout).toMatch(/\n\s+1 sleep\n/);
    // The same cgroup as the init.
    const cgroup = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").filter((line) => line.includes(":pids:"));
    const inside = await minic(["exec", "target", "cat", "/proc/self/cgroup"], root);
    expect(inside.stdout).toContain(":pids:/\n");
    expect(cgroup(init)[0]).toContain("/minic/");
  });

  test("exit codes as docker exec: the command's, 126, 127, 125", async () => {
    await started("codes", ["sleep", "30"]);
    expect((await minic(["exec", "codes", "sh", "-c", "exit 7"], root)).code).toBe(7);
    const missing = await minic(["exec", "codes", "nothere"], root);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('minic: exec: "nothere": executable file not found in $PATH\n');
    expect((await minic(["exec", "codes", "/etc/passwd"], root)).code).toBe(126);
    const unknown = await minic(["exec", "nobody-here", "true"], root);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toBe("minic: no such container: nobody-here\n");
  });

  test("exec on a stopped container and kill with a bad signal are one clear line each", async () => {
    await started("stops", ["sleep", "30"]);
    expect((await minic(["kill", "-s", "BOGUS", "stops"], root)).stderr).toBe("minic: invalid signal: BOGUS\n");
    expect((await minic(["kill", "stops"], root)).stdout).toBe("stops\n");
    await waitFor(() => !alive(readState("stops")?.process?.pid ?? 0));
    const r = await minic(["exec", "stops", "true"], root);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("minic: container stops is not running\n");
    expect((await minic(["ps", "-a"], root)).stdout).toMatch(/ Exited .* stops\n/);
  });

  test("kill -s TERM reaches the init's handler", async () => {
    await started("term", ["sh", "-c", "trap 'echo got > /tmp/term; exit 3' TERM; while :; do sleep 0.05; done"]);
    expect((await minic(["kill", "-s", "TERM", "term"], root)).code).toBe(0);
    await waitFor(() => !alive(readState("term")?.process?.pid ?? 0));
  });
});

describe("-u USER[:GROUP]", () => {
  test("names and ids from the container's /etc/passwd and /etc/group, with supplementary groups", async () => {
    const rootfs = join(root, "rootfs");
    cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    writeFileSync(join(rootfs, "etc/group"), "root:x:0:\nalice:x:1000:\nstaff:x:50:alice\naudio:x:29:bob,alice\nnogroup:x:65534:\n");
    const runAs = (user: string) => minic(["run", "--rm", "--rootfs", rootfs, "-u", user, "sh", "-c", "id; echo HOME=$HOME"], root);
    expect((await runAs("alice")).stdout).toBe("uid=1000(alice) gid=1000(alice) groups=29(audio),50(staff),1000(alice)\nHOME=/home/alice\n");
    expect((await runAs("1000:50")).stdout).toBe("uid=1000(alice) gid=50(staff) groups=50(staff)\nHOME=/home/alice\n");
    expect((await runAs("4321")).stdout).toBe("uid=4321 gid=0(root) groups=0(root)\nHOME=/\n");
    const missing = await runAs("mallory");
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe("minic: unable to find user mallory: no matching entries in passwd file\n");
    // As under Docker, a user other than root runs with no effective capabilities.
    const capabilities = await minic(["run", "--rm", "--rootfs", rootfs, "-u", "alice", "grep", "CapEff", "/proc/self/status"], root);
    expect(capabilities.stdout).toBe("CapEff:\t0000000000000000\n");
    await started("users", ["sleep", "30"]);
    const exec = await minic(["exec", "-u", "nobody", "users", "id"], root);
    expect(exec.stdout).toBe("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n");
  });

  test("a rootfs whose /etc/passwd is a symlink out of it is resolved inside the rootfs", async () => {
    const rootfs = join(root, "rootfs-link");
    cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
    rmSync(join(rootfs, "etc/passwd"));
    // On the host this would name the host's passwd; inside the rootfs it names its own file.
    writeFileSync(join(rootfs, "etc/passwd.real"), "root:x:0:0:root:/root:/bin/sh\ncarol:x:2000:2000::/home/carol:/bin/sh\n");
    symlinkSync("/etc/passwd.real", join(rootfs, "etc/passwd"));
    const r = await minic(["run", "--rm", "--rootfs", rootfs, "-u", "carol", "id", "-u"], root);
    expect(r.stdout).toBe("2000\n");
  });
});
