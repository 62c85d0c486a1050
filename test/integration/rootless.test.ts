// Rootless: minic run by an ordinary user, with no capabilities (setpriv), as CI's root sets it
// up: a user with subordinate ranges and one without, each test in a fresh home. Root inside is
// the user; the rest of the container's ids are the user's subordinate ones.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rootlessWorld, testUser, userTun, type RootlessWorld, type TestUser } from "../support/rootless.ts";
import { openTerminal } from "../support/tmux.ts";

let user: TestUser;
let single: TestUser;
let tun: { restore(): void };
let world: RootlessWorld;
beforeAll(() => {
  user = testUser("minic-rootless", 600000);
  single = testUser("minic-rootless1", null);
  tun = userTun();
});
afterAll(() => tun.restore());
beforeEach(() => (world = rootlessWorld(user)));
afterEach(async () => {
  // Nothing of the test's may be left running: its containers, conmon, slirp4netns.
  const ps = await world.run(["ps", "-aq"]);
  const ids = ps.stdout.split("\n").filter(Boolean);
  if (ids.length > 0) await world.run(["rm", "-f", ...ids]);
  const left = () => Bun.spawnSync(["pgrep", "-u", `${user.uid},${single.uid}`]).stdout.toString().trim();
  for (let waited = 0; waited < 3000 && left() !== ""; waited += 50) await Bun.sleep(50);
  const running = left();
  world.close();
  expect(running).toBe("");
});

const containersOf = (w: RootlessWorld) => {
  const dir = join(w.home, ".local", "share", "minic", "containers");
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith(".")) : [];
};

describe("minic as an ordinary user", () => {
  test("root inside is the user, the other ids their subordinate range; hostname, PID 1 and an overlay root as for root; state in ~/.local/share/minic", async () => {
    const r = await world.run(["run", "--rm", "--name", "rl", "--network", "none", "--rootfs", world.rootfs, "sh", "-c",
      "id -u; cat /proc/self/uid_map; hostname; echo $$; grep ' / ' /proc/mounts | cut -d' ' -f3; id -u nobody >/dev/null 2>&1; touch /new && echo writes"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const [uid, map0, map1, hostname, pid, fstype, writes] = r.stdout.trim().split("\n");
    expect(uid).toBe("0");
    expect(map0?.trim().split(/\s+/)).toEqual(["0", String(user.uid), "1"]);
    expect(map1?.trim().split(/\s+/)).toEqual(["1", String(user.subordinate), "65536"]);
    expect([hostname, pid, fstype, writes]).toEqual(["rl", "1", "overlay", "writes"]);
    // Nothing was written into the rootfs, and the state went to the user's home and is gone (--rm).
    expect(existsSync(join(world.rootfs, "new"))).toBe(false);
    expect(existsSync(join(world.home, ".local", "share", "minic", "containers"))).toBe(true);
    expect(containersOf(world)).toEqual([]);
    // Its own /proc files are written before they become unreachable: --oom-score-adj (up only, as an ordinary user may).
    expect((await world.run(["run", "--rm", "--network", "none", "--oom-score-adj", "500", "--rootfs", world.rootfs, "cat", "/proc/self/oom_score_adj"])).stdout).toBe("500\n");
    // The user is who the system says, not $USER (cron and env -i leave it unset or wrong).
    const wrongUser = await world.run(["run", "--rm", "--network", "none", "--rootfs", world.rootfs, "cat", "/proc/self/uid_map"], { env: { USER: "someone-else" } });
    expect({ code: wrongUser.code, stderr: wrongUser.stderr, map: wrongUser.stdout.trim().split("\n")[1]?.trim().split(/\s+/) }).toEqual({ code: 0, stderr: "", map: ["1", String(user.subordinate), "65536"] });
  });

  test("a volume written by the container's root is the user's on the host; another id's, their subordinate one's; rm removes files the user does not own", async () => {
    const data = join(world.dir, "data");
    mkdirSync(data);
    chownSync(data, user.uid, user.gid);
    const r = await world.run(["run", "--name", "files", "--network", "none", "-v", `${data}:/data`, "--rootfs", world.rootfs, "sh", "-c",
      "echo root > /data/by-root; su -s /bin/sh nobody -c true 2>/dev/null; chown 1000:1000 /data/by-root-then-1000 2>/dev/null; touch /data/x && chown 1000:1000 /data/x; mkdir /layer && chown 7 /layer && touch /layer/f && chmod 500 /layer"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(statSync(join(data, "by-root")).uid).toBe(user.uid);
    expect(statSync(join(data, "x")).uid).toBe((user.subordinate ?? 0) + 999);
    // The layer holds a directory of the container's uid 7 that the user may not write into.
    expect((await world.run(["rm", "files"])).code).toBe(0);
    expect(containersOf(world)).toEqual([]);
  });

  test("-d: conmon runs as the user; logs, exec, stop, start and rm", async () => {
    const id = (await world.run(["run", "-d", "--name", "svc", "--network", "none", "--rootfs", world.rootfs, "sh", "-c", "echo up; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const conmon = Bun.spawnSync(["pgrep", "-u", String(user.uid), "-x", "conmon"]).stdout.toString().trim();
    expect(conmon).not.toBe("");
    expect((await world.run(["ps", "--format", "{{.Names}} {{.State}}"])).stdout).toBe("svc running\n");
    // On a host whose controllers are cgroup v1's, nothing is delegated: stats says there is no usage to read.
    if (existsSync("/sys/fs/cgroup/memory/tasks")) {
      expect((await world.run(["stats", "svc"])).stderr).toBe("minic: warning: container svc has no cgroup of its own (minic runs rootless, and no cgroup is delegated to this user): it has no usage to show\n");
    }
    const exec = await world.run(["exec", "svc", "sh", "-c", "id -u; ps -o pid,comm | grep -c sleep >/dev/null && echo sees-pid-1; cat /proc/1/cmdline | tr '\\0' ' '"]);
    expect(exec.stdout).toMatch(/^0\nsees-pid-1\nsh -c /);
    expect((await world.run(["exec", "svc", "sh", "-c", "exit 3"])).code).toBe(3);
    expect((await world.run(["stop", "svc"])).code).toBe(0);
    expect((await world.run(["logs", "svc"])).stdout).toBe("up\nbye\n");
    expect((await world.run(["start", "svc"])).code).toBe(0);
    expect((await world.run(["ps", "--format", "{{.Names}} {{.State}}"])).stdout).toBe("svc running\n");
    expect((await world.run(["rm", "-f", "svc"])).code).toBe(0);
    // start -a attaches through conmon's socket in the user's bundle, whose path is longer than a
    // socket's may be (a bug once: "File name too long").
    await world.run(["run", "-d", "--name", "once", "--network", "none", "--rootfs", world.rootfs, "sh", "-c", "echo hi; exit 4"]);
    expect((await world.run(["wait", "once"])).stdout).toBe("4\n");
    const attached = await world.run(["start", "-a", "once"]);
    expect({ code: attached.code, stdout: attached.stdout, stderr: attached.stderr }).toEqual({ code: 4, stdout: "hi\n", stderr: "" });
    expect((await world.run(["rm", "once"])).code).toBe(0);
    expect(containersOf(world)).toEqual([]);
  });

  test("-it: a shell on a real terminal, in run and in exec", async () => {
    const terminal = openTerminal();
    try {
      terminal.keys(`${world.command(["run", "--rm", "-it", "--network", "none", "--rootfs", world.rootfs, "sh"]).join(" ")}; echo EXIT=$?`, "Enter");
      await terminal.waitFor(/^\/ #\s*$/m, 10_000);
      terminal.keys("tty; id -u; exit 4", "Enter");
      const screen = await terminal.waitFor(/EXIT=\d+/, 10_000);
      expect(screen).toContain("/dev/pts/0");
      expect(screen).toMatch(/EXIT=4/);
      // exec -it into a running one: its terminal handed over as run's is, to a process born in its PID namespace.
      expect((await world.run(["run", "-d", "--name", "box", "--network", "none", "--rootfs", world.rootfs, "sleep", "60"])).code).toBe(0);
      terminal.keys("clear", "Enter");
      terminal.keys(`${world.command(["exec", "-it", "box", "sh"]).join(" ")}; echo EXEC=$?`, "Enter");
      await terminal.waitFor(/^\/ #\s*$/m, 10_000);
      terminal.keys("echo pid1=$(cat /proc/1/comm); exit 6", "Enter");
      const exec = await terminal.waitFor(/EXEC=\d+/, 10_000);
      expect(exec).toContain("pid1=sleep");
      expect(exec).toMatch(/EXEC=6/);
    } finally {
      terminal.close();
    }
  });

  test("the default network is slirp4netns: a published port answers from the host; host loopback services are out of reach", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open(socket) { socket.write("secret\n"); socket.end(); } } });
    const free = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
    const port = free.port;
    free.stop(true);
    try {
      // A session's runtime directory holds slirp4netns's API socket.
      const runtime = join(world.dir, "runtime");
      mkdirSync(runtime, { mode: 0o700 });
      chownSync(runtime, user.uid, user.gid);
      const web = await world.run(["run", "-d", "--name", "web", "-p", `${port}:80`, "--rootfs", world.rootfs, "sh", "-c", "mkdir -p /www && echo rootless-hello > /www/index.html && exec httpd -f -p 80 -h /www"], { env: { XDG_RUNTIME_DIR: runtime } });
      expect({ code: web.code, stderr: web.stderr }).toEqual({ code: 0, stderr: "" });
      expect(readdirSync(join(runtime, "minic", "slirp"))).toHaveLength(1);
      let answer = "";
      for (let tries = 0; tries < 50 && answer === ""; tries++) {
        try {
          answer = await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })).text();
        } catch {
          await Bun.sleep(100);
        }
      }
      expect(answer).toBe("rootless-hello\n");
      expect((await world.run(["port", "web"])).stdout).toBe(`80/tcp -> 0.0.0.0:${port}\n`);
      const inside = await world.run(["run", "--rm", "--rootfs", world.rootfs, "sh", "-c", `ip -4 -o addr show tap0 | awk '{print $4}'; ip route | head -1; nc -w 2 10.0.2.2 ${listener.port} </dev/null; echo probed`]);
      expect(inside.stdout).toBe("10.0.2.100/24\ndefault via 10.0.2.2 dev tap0 \nprobed\n");
      expect((await world.run(["rm", "-f", "web"])).code).toBe(0);
      expect(readdirSync(join(runtime, "minic", "slirp"))).toEqual([]);
      // Its slirp4netns went with it: the port is free again.
      const again = Bun.listen({ hostname: "0.0.0.0", port, socket: { data() {} } });
      again.stop(true);
    } finally {
      listener.stop(true);
    }
  });

  test("a foreground run killed with SIGKILL takes its slirp4netns with it: the published port is free again", async () => {
    const free = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
    const port = free.port;
    free.stop(true);
    const child = Bun.spawn(world.command(["run", "--name", "doomed", "-p", `${port}:80`, "--rootfs", world.rootfs, "sleep", "30"]), { cwd: world.dir, stdout: "ignore", stderr: "ignore" });
    const slirps = () => Bun.spawnSync(["pgrep", "-u", String(user.uid), "-x", "slirp4netns"]).stdout.toString().trim();
    for (let waited = 0; waited < 5000 && slirps() === ""; waited += 50) await Bun.sleep(50);
    expect(slirps()).not.toBe("");
    // minic is setpriv's exec'd successor: the same pid.
    process.kill(child.pid, "SIGKILL");
    await child.exited;
    for (let waited = 0; waited < 3000 && slirps() !== ""; waited += 50) await Bun.sleep(50);
    expect(slirps()).toBe("");
    const again = Bun.listen({ hostname: "0.0.0.0", port, socket: { data() {} } });
    again.stop(true);
    expect((await world.run(["rm", "doomed"])).code).toBe(0);
  });

  test("runc's command line too: spec --rootless writes a bundle an ordinary user runs; without a user namespace, one line", async () => {
    const bundle = join(world.dir, "bundle");
    mkdirSync(bundle);
    chownSync(bundle, user.uid, user.gid);
    expect((await world.run(["spec", "--rootless", "--bundle", bundle])).code).toBe(0);
    Bun.spawnSync(["cp", "-a", world.rootfs, join(bundle, "rootfs")]);
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    config.process.terminal = false;
    config.process.args = ["sh", "-c", "id -u; wc -l < /proc/self/uid_map"];
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    const ran = await world.run(["run", "--bundle", bundle, "rl-oci"]);
    expect({ code: ran.code, stdout: ran.stdout, stderr: ran.stderr }).toEqual({ code: 0, stdout: "0\n1\n", stderr: "" });
    delete config.linux.uidMappings;
    delete config.linux.gidMappings;
    config.linux.namespaces = config.linux.namespaces.filter((ns: { type: string }) => ns.type !== "user");
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    const refused = await world.run(["run", "--bundle", bundle, "rl-oci2"]);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 1, stderr: `minic: a rootless container needs a user namespace: ${join(bundle, "config.json")} has none (minic spec --rootless writes a config.json with one)\n` });
  });

  test("bad input: a limit without a delegated cgroup, a rootfs or volume out of reach, overlapping maps, a user network: one line, 125, nothing left", async () => {
    const secret = join(world.dir, "secret");
    mkdirSync(secret, { mode: 0o700 });
    const foreign = join(world.dir, "foreign");
    Bun.spawnSync(["cp", "-a", world.rootfs, foreign]);
    Bun.spawnSync(["chown", "-R", "0:0", foreign]);
    const cases: [string[], RegExp][] = [
      [["--memory", "10m"], /^minic: resource limits \(memory\) need a cgroup of the container's own, and minic runs rootless without one: .* \(run as root, or on cgroup v2 in a session that delegates a subtree, as systemd's user@UID.service does\)\n$/],
      [["--cgroup-parent", "mine"], /^minic: --cgroup-parent mine needs a cgroup of the container's own, and minic runs rootless without one \(run as root, .*\)\n$/],
      [["-v", `${secret}:/s`], new RegExp(`^minic: volume ${secret} is not accessible to minic-rootless, as whom this rootless container runs\\n$`)],
      [["--uidmap", `0:${user.uid}:1`, "--uidmap", "1:600000:10", "--uidmap", "5:600020:10"], /^minic: invalid spec: linux.uidMappings has overlapping container ranges at 5\n$/],
      [["--network", "somenet"], /^minic: --network somenet: user networks are minic's CNI bridges, which need root; .*\n$/],
    ];
    for (const [flags, message] of cases) {
      const r = await world.run(["run", "--rm", ...flags, "--rootfs", world.rootfs, "true"]);
      expect({ flags, code: r.code, stderr: r.stderr }).toEqual({ flags, code: 125, stderr: expect.stringMatching(message) });
    }
    const owned = await world.run(["run", "--rm", "--rootfs", foreign, "true"]);
    expect(owned.stderr).toBe(`minic: rootfs ${foreign} belongs to uid 0, whom this rootless container cannot map: its root could change nothing in it (give minic-rootless a copy of their own: cp -a, then chown -R minic-rootless:)\n`);
    // Its group counts too: overlayfs would refuse to copy up what an unmapped group owns.
    Bun.spawnSync(["chown", "-R", `${user.uid}:0`, foreign]);
    expect((await world.run(["run", "--rm", "--network", "none", "--rootfs", foreign, "true"])).stderr).toBe(`minic: rootfs ${foreign} belongs to gid 0, whom this rootless container cannot map: its root could change nothing in it (give minic-rootless a copy of their own: cp -a, then chown -R minic-rootless:)\n`);
    expect((await world.run(["network", "ls"])).stderr).toBe("minic: minic network needs root (run it with sudo; a rootless container has bridge (through slirp4netns), slirp4netns, none or host)\n");
    expect(containersOf(world)).toEqual([]);
  });

  test("cgroup v2 with a subtree delegated to the user: the container gets a cgroup of its own in it, removed after; a limit is written there when the subtree offers the controller", async () => {
    const mountpoint = /^\S+ \S+ \S+ \S+ (\S+) .* - cgroup2 /m.exec(readFileSync("/proc/self/mountinfo", "utf8"))?.[1];
    expect(mountpoint).toBeDefined();
    const delegated = `minic-rootless-${process.pid}`;
    const host = join(mountpoint ?? "", delegated);
    // As systemd delegates user@UID.service: the subtree and its files are the user's; minic runs in a leaf of it.
    const script = [
      "set -e",
      "umount -R /sys/fs/cgroup",
      "mount -t cgroup2 none /sys/fs/cgroup",
      `D=/sys/fs/cgroup/${delegated}`,
      "mkdir -p $D/leaf",
      `chown ${user.uid}:${user.gid} $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads $D/leaf $D/leaf/cgroup.procs`,
      "echo $$ > $D/leaf/cgroup.procs",
      'exec "$@"',
    ].join("\n");
    const inPrivateMounts = (args: string[]) => Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", ...world.command(args)], { cwd: world.dir });
    try {
      const r = inPrivateMounts(["run", "--rm", "--name", "grouped", "--network", "none", "--rootfs", world.rootfs, "sh", "-c", "grep ^0:: /proc/self/cgroup; ls /sys/fs/cgroup/cgroup.procs"]);
      expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout.toString()).toBe("0::/\n/sys/fs/cgroup/cgroup.procs\n");
      // Its cgroup was in the delegated subtree, and went with it.
      expect(existsSync(join(host, "minic"))).toBe(true);
      expect(readdirSync(join(host, "minic")).filter((name) => /^[0-9a-f]{64}$/.test(name))).toEqual([]);
      const offers = readFileSync(join(mountpoint ?? "", "cgroup.controllers"), "utf8").split(/\s+/).includes("pids");
      const limited = inPrivateMounts(["run", "--rm", "--network", "none", "--pids-limit", "7", "--rootfs", world.rootfs, "cat", "/sys/fs/cgroup/pids.max"]);
      if (offers) expect(limited.stdout.toString()).toBe("7\n");
      else expect(limited.stderr.toString()).toMatch(/^minic: .*pids.*offers: .*\n$/);
    } finally {
      for (const dir of [join(host, "minic"), join(host, "leaf"), host]) Bun.spawnSync(["rmdir", dir]);
    }
  });

  test("newuidmap missing or not setuid, a rootfs the user cannot read: one line, nothing left", async () => {
    const empty = join(world.dir, "empty");
    writeFileSync(empty, "");
    const hidden = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind ${empty} /usr/bin/newuidmap && mount --bind ${empty} /usr/bin/newgidmap && exec "$@"`, "sh", ...world.command(["run", "--rm", "--network", "none", "--rootfs", world.rootfs, "true"])], { cwd: world.dir });
    expect(hidden.exitCode).toBe(125);
    expect(hidden.stderr.toString()).toBe("minic: a rootless container's ids are mapped by newuidmap, which is not installed (apt-get install uidmap)\n");
    // Not setuid: a copy without the bit.
    const plain = join(world.dir, "newuidmap");
    Bun.spawnSync(["cp", "/usr/bin/newuidmap", plain]);
    Bun.spawnSync(["chmod", "0755", plain]);
    const unprivileged = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind ${plain} /usr/bin/newuidmap && exec "$@"`, "sh", ...world.command(["run", "--rm", "--network", "none", "--rootfs", world.rootfs, "true"])], { cwd: world.dir });
    expect(unprivileged.exitCode).toBe(125);
    expect(unprivileged.stderr.toString()).toMatch(/^minic: newuidmap could not map the container's ids: .*\(newuidmap must be setuid root: see ls -l \$\(command -v newuidmap\)\)\n$/);
    // A rootfs the user cannot read.
    Bun.spawnSync(["chmod", "000", world.rootfs]);
    const unreadable = await world.run(["run", "--rm", "--network", "none", "--rootfs", world.rootfs, "true"]);
    Bun.spawnSync(["chmod", "755", world.rootfs]);
    expect({ code: unreadable.code, stderr: unreadable.stderr }).toEqual({ code: 125, stderr: `minic: rootfs ${world.rootfs} is not readable by minic-rootless, as whom this rootless container runs\n` });
    expect(containersOf(world)).toEqual([]);
  });

  test("a user without subordinate ids: one id inside, said once; another user's id is refused", async () => {
    world.close();
    world = rootlessWorld(single);
    const r = await world.run(["run", "--rm", "--network", "none", "--rootfs", world.rootfs, "sh", "-c", "id -u; cat /proc/self/uid_map | wc -l"]);
    expect(r.stdout).toBe("0\n1\n");
    expect(r.stderr).toBe("minic: warning: minic-rootless1 has no subordinate ids in /etc/subuid and /etc/subgid: the container has one user and group, its root (files of other owners show as nobody, and it cannot change user)\n");
    // Detached too: created under conmon, exec'd into.
    expect((await world.run(["run", "-d", "--name", "alone", "--network", "none", "--rootfs", world.rootfs, "sleep", "30"])).code).toBe(0);
    expect((await world.run(["exec", "alone", "id", "-u"])).stdout).toBe("0\n");
    expect((await world.run(["rm", "-f", "alone"])).code).toBe(0);
    const other = await world.run(["run", "--rm", "--network", "none", "-u", "5", "--rootfs", world.rootfs, "id"]);
    expect(other.code).toBe(125);
    expect(other.stderr).toEndWith("minic: invalid spec: process.user.uid 5 is not mapped in the container's user namespace (linux.uidMappings maps 0)\n");
    expect(containersOf(world)).toEqual([]);
  });
});
