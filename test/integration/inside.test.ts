// What a workload sees from inside its container.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOTFS, run } from "../support/minic.ts";

describe("inside a container", () => {
  test("the command is PID 1 and ps shows only the container's processes", async () => {
    // Wait until the background child has exec'd sleep: before that, ps would list it as sh.
    const script = 'echo $$; sleep 5 & until [ "$(cat /proc/$!/comm)" = sleep ]; do :; done; ps -o pid,comm; kill %1';
    const r = await run(["sh", "-c", script]);
    expect(r.code).toBe(0);
    const [pid, header, ...rows] = r.stdout.trim().split("\n");
    expect(pid).toBe("1");
    expect(header).toContain("PID");
    // sh as PID 1, its sleep and ps itself: nothing of the host
    const processes = rows.map((row) => row.trim().split(/\s+/));
    expect(processes.map(([, comm]) => comm)).toEqual(["sh", "sleep", "ps"]);
    expect(processes[0]?.[0]).toBe("1");
  });

  test("hostname defaults to the container's name; --hostname overrides it", async () => {
    const named = await run(["--name", "web-1", "hostname"]);
    expect(named.stdout.trim()).toBe("web-1");
    const explicit = await run(["--name", "web-2", "--hostname", "box", "sh", "-c", "hostname; echo $HOSTNAME"]);
    expect(explicit.stdout.trim().split("\n")).toEqual(["box", "box"]);
  });

  test("mountinfo shows the overlay root, the API filesystems and nothing of the host", async () => {
    const r = await run(["cat", "/proc/self/mountinfo"]);
    expect(r.code).toBe(0);
    const mounts = r.stdout.trim().split("\n").map((line) => {
      const fields = line.split(" ");
      const dash = fields.indexOf("-");
      return { target: fields[4] ?? "", options: fields[5] ?? "", type: fields[dash + 1] ?? "" };
    });
    const byTarget = new Map(mounts.map((m) => [m.target, m]));
    expect(byTarget.get("/")?.type).toBe("overlay");
    expect(byTarget.get("/proc")?.type).toBe("proc");
    expect(byTarget.get("/sys")?.type).toBe("sysfs");
    expect(byTarget.get("/sys")?.options.split(",")).toContain("ro");
    expect(byTarget.get("/dev")?.type).toBe("tmpfs");
    expect(byTarget.get("/dev/pts")?.type).toBe("devpts");
    expect(byTarget.get("/dev/shm")?.type).toBe("tmpfs");
    expect(byTarget.get("/dev/mqueue")?.type).toBe("mqueue");
    expect(byTarget.get("/proc/sys")?.options.split(",")).toContain("ro");
    // And Docker's three /etc files, bound from the container's own directory.
    const allowed = /^\/(proc|sys|dev)(\/|$)|^\/$|^\/etc\/(resolv\.conf|hosts|hostname)$/;
    for (const mount of mounts) expect(mount.target).toMatch(allowed);
  });

  test("/dev has Docker's device nodes and symlinks, and nothing else of the host's", async () => {
    const r = await run(["sh", "-c", "ls /dev | sort | tr '\\n' ' '; echo; stat -c '%n %t:%T %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; readlink /dev/fd; readlink /dev/ptmx"]);
    expect(r.code).toBe(0);
    const [names, ...rest] = r.stdout.trim().split("\n");
    expect(names?.trim().split(" ")).toEqual([
      "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero",
    ]);
    expect(rest).toEqual([
      "/dev/null 1:3 666",
      "/dev/zero 1:5 666",
      "/dev/full 1:7 666",
      "/dev/random 1:8 666",
      "/dev/urandom 1:9 666",
      "/dev/tty 5:0 666",
      "/proc/self/fd",
      "pts/ptmx",
    ]);
  });

  test("the workload keeps Docker's default capabilities only", async () => {
    const r = await run(["grep", "^Cap", "/proc/self/status"]);
    const caps = Object.fromEntries(r.stdout.trim().split("\n").map((line) => line.split(":\t")));
    expect(caps.CapBnd).toBe("00000000a80425fb");
    expect(caps.CapEff).toBe("00000000a80425fb");
    expect(caps.CapPrm).toBe("00000000a80425fb");
    expect(caps.CapInh).toBe("0000000000000000");
    expect(caps.CapAmb).toBe("0000000000000000");
  });

  test("masked paths are empty, read-only paths refuse writes", async () => {
    const r = await run(["sh", "-c", "wc -c < /proc/keys; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ostype 2>/dev/null && echo wrote || echo refused"]);
    expect(r.stdout.trim().split("\n").map((s) => s.trim())).toEqual(["0", "0", "refused"]);
  });

  test("only stdin, stdout and stderr reach the workload", async () => {
    const r = await run(["sh", "-c", "exec ls /proc/self/fd"]);
    // ls itself holds one fd for the directory it lists
    expect(r.stdout.trim().split(/\s+/).map(Number).filter((fd) => fd > 2).length).toBeLessThanOrEqual(1);
    const listing = await run(["sh", "-c", "ls -l /proc/1/fd | grep -c -- '->'"]);
    expect(Number(listing.stdout.trim())).toBeLessThanOrEqual(4);
  });

  test("writes, changes and deletions inside never reach the rootfs", async () => {
    const before = readdirSync(join(ROOTFS, "bin")).length;
    const r = await run(["sh", "-c", "echo x > /etc/passwd && rm /bin/ls && touch /new-file && mkdir /tmp/d && echo done"]);
    expect(r.stdout.trim()).toBe("done");
    expect(readdirSync(join(ROOTFS, "bin")).length).toBe(before);
    expect(existsSync(join(ROOTFS, "bin", "ls"))).toBe(true);
    expect(existsSync(join(ROOTFS, "new-file"))).toBe(false);
    expect(await Bun.file(join(ROOTFS, "etc", "passwd")).text()).toStartWith("root:x:0:0:");
  });

  test("--read-only makes / read-only but keeps /tmp-less writes failing cleanly", async () => {
    const r = await run(["--read-only", "sh", "-c", "touch /x 2>&1; echo > /dev/null && echo dev-ok"]);
    expect(r.stdout).toContain("Read-only file system");
    expect(r.stdout).toContain("dev-ok");
  });

  test("env: defaults, -e K=V, -e K from the caller, later -e wins", async () => {
    const r = await run(["-e", "A=1", "-e", "FROM_CALLER", "-e", "A=2", "-e", "ABSENT", "env"], {
      env: { FROM_CALLER: "yes" },
    });
    const env = r.stdout.trim().split("\n").sort();
    expect(env).toContain("A=2");
    expect(env).toContain("FROM_CALLER=yes");
    expect(env).toContain("HOME=/root");
    expect(env).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(env.some((line) => line.startsWith("HOSTNAME="))).toBe(true);
    expect(env.some((line) => line.startsWith("ABSENT"))).toBe(false);
    expect(env.some((line) => line.startsWith("TERM="))).toBe(false);
  });

  test("-w creates a missing working directory", async () => {
    const r = await run(["-w", "/srv/app/data", "pwd"]);
    expect(r.stdout.trim()).toBe("/srv/app/data");
  });

  test("options stop at the first positional", async () => {
    const r = await run(["sh", "-c", "echo -n hi"]);
    expect(r.stdout).toBe("hi");
  });

  test("stdin is /dev/null without -i and connected with -i", async () => {
    const closed = await run(["cat"], { stdin: "hello\n" });
    expect(closed.stdout).toBe("");
    expect(closed.code).toBe(0);
    const open = await run(["-i", "cat"], { stdin: "hello\n" });
    expect(open.stdout).toBe("hello\n");
  });

  test("--network none leaves only a loopback interface, up", async () => {
    const r = await run(["--network", "none", "sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/operstate; ping -c1 -W1 127.0.0.1 >/dev/null && echo ping-ok"]);
    expect(r.stdout.trim().split("\n")).toEqual(["lo", "unknown", "ping-ok"]);
    const host = await run(["sh", "-c", "ls /sys/class/net | wc -l"]);
    expect(Number(host.stdout.trim())).toBeGreaterThan(1);
  });
});
