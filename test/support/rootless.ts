// Ordinary users for the rootless tests, made by the root that runs the suite: one with
// subordinate ranges in /etc/subuid and /etc/subgid, one without. Each test gets a fresh home
// (where minic keeps such a user's state), a copy of the busybox rootfs the user owns, and minic
// copied where the user can run it; minic then runs as that user with no capabilities, as a login
// would (the bounding set stays whole: newuidmap, setuid root, needs it).
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { MINIC, ROOTFS, type Result } from "./minic.ts";

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** The first of the user's subordinate ids; null for the user without a range. */
  subordinate: number | null;
}

function idOf(name: string, flag: "-u" | "-g"): number {
  return Number(spawnSync(["id", flag, name]).stdout.toString().trim());
}

/** The user `name`, made if missing; with `range`, that subordinate range is theirs (added if missing). */
export function testUser(name: string, range: number | null): TestUser {
  if (spawnSync(["id", "-u", name]).exitCode !== 0) {
    // No range of useradd's own: the files say exactly what the test gives.
    const made = spawnSync(["useradd", "--create-home", "--shell", "/bin/sh", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", name], { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(`useradd ${name}: ${made.stderr.toString()}`);
  }
  for (const file of ["/etc/subuid", "/etc/subgid"]) {
    const lines = readText(file).split("\n").filter((line) => line !== "" && !line.startsWith(`${name}:`));
    writeFileSync(file, `${[...lines, ...(range === null ? [] : [`${name}:${range}:65536`])].join("\n")}\n`);
  }
  return { name, uid: idOf(name, "-u"), gid: idOf(name, "-g"), subordinate: range };
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export interface RootlessWorld {
  user: TestUser;
  /** minic, where the user can run it. */
  minic: string;
  /** A busybox rootfs the user owns. */
  rootfs: string;
  /** The user's home for this test: their state is in .local/share/minic below it. */
  home: string;
  dir: string;
  /** The command line that runs `args` as the user, without capabilities, in a clean environment (plus `env`). */
  command(args: string[], env?: Record<string, string>): string[];
  run(args: string[], options?: { stdin?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<Result>;
  close(): void;
}

/** A world for one test: its own home, rootfs copy and minic, for `user`. */
export function rootlessWorld(user: TestUser): RootlessWorld {
  const dir = mkdtempSync(join(tmpdir(), "minic-rootless-"));
  chmodSync(dir, 0o755);
  const minic = join(dir, "minic");
  copyFileSync(MINIC, minic);
  chmodSync(minic, 0o755);
  const rootfs = join(dir, "rootfs");
  if (spawnSync(["cp", "-a", ROOTFS, rootfs]).exitCode !== 0) throw new Error("cannot copy the rootfs");
  if (spawnSync(["chown", "-R", `${user.uid}:${user.gid}`, rootfs]).exitCode !== 0) throw new Error("cannot chown the rootfs");
  const home = join(dir, "home");
  spawnSync(["mkdir", "-m", "700", home]);
  chownSync(home, user.uid, user.gid);
  const command = (args: string[], env: Record<string, string> = {}): string[] => [
    "setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--inh-caps=-all",
    "env", "-i", `HOME=${home}`, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", `USER=${user.name}`,
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
    minic, ...args,
  ];
  return {
    user,
    minic,
    rootfs,
    home,
    dir,
    command,
    async run(args, options = {}) {
      const child = spawn(command(args, options.env), {
        cwd: dir,
        stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
        stdout: "pipe",
        stderr: "pipe",
        timeout: options.timeoutMs ?? 30_000,
      });
      const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      return { code, stdout, stderr };
    },
    close() {
      // What the user's containers left (none should be running) goes as root.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * slirp4netns opens /dev/net/tun as the user: udev makes it 0666, some machines have it 0600.
 * Made 0666 for the tests, as udev would; `restore` puts back what was.
 */
export function userTun(): { restore(): void } {
  // A machine without the node gets it for the run (the tun module makes it on demand otherwise).
  if (!existsSync("/dev/net/tun")) {
    mkdirSync("/dev/net", { recursive: true });
    if (spawnSync(["mknod", "-m", "0666", "/dev/net/tun", "c", "10", "200"]).exitCode !== 0) throw new Error("cannot make /dev/net/tun");
    return { restore: () => rmSync("/dev/net/tun", { force: true }) };
  }
  const mode = statSync("/dev/net/tun").mode & 0o777;
  if (mode !== 0o666) chmodSync("/dev/net/tun", 0o666);
  return { restore: () => { if (mode !== 0o666) chmodSync("/dev/net/tun", mode); } };
}

