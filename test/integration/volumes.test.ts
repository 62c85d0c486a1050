// -v, --tmpfs and --mount against real bind mounts, checked from inside the container, and
// rootfs symlinks that try to send a volume out of the container's root.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostMounts, leftovers, minic, ROOTFS, run, stateDir, tree } from "../support/minic.ts";

let host = "";
let mountsBefore = "";
let rootfsBefore: string[] = [];
beforeEach(() => {
  host = mkdtempSync(join(tmpdir(), "minic-volumes-"));
  mountsBefore = hostMounts();
  rootfsBefore = tree(ROOTFS);
});
afterEach(() => {
  expect(hostMounts()).toBe(mountsBefore);
  expect(tree(ROOTFS)).toEqual(rootfsBefore);
  rmSync(host, { recursive: true, force: true });
});

function hostDir(name: string, files: Record<string, string> = {}): string {
  const dir = join(host, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe("bind volumes", () => {
  test("rw: content visible inside, writes reach the host", async () => {
    const data = hostDir("data", { "in.txt": "from host\n" });
    const r = await run(["-v", `${data}:/data`, "sh", "-c", "cat /data/in.txt; echo from container > /data/out.txt"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("from host\n");
    expect(readFileSync(join(data, "out.txt"), "utf8")).toBe("from container\n");
  });

  test("ro: EROFS on write, and no remount to rw from inside", async () => {
    const data = hostDir("data", { "in.txt": "x\n" });
    const r = await run(["-v", `${data}:/data:ro`, "sh", "-c",
      "echo y > /data/in.txt; echo write=$?; mount -o remount,rw /data; echo remount=$?; echo z > /data/in.txt; grep ' /data ' /proc/self/mountinfo"]);
    expect(r.stdout).toContain("write=1");
    expect(r.stdout).toMatch(/remount=[1-9]/);
    expect(r.stderr).toContain("Read-only file system");
    expect(r.stdout).toMatch(/ \/data ro,/);
    expect(readFileSync(join(data, "in.txt"), "utf8")).toBe("x\n");
  });

  test("ro reaches a submount of the volume (recursive bind, recursive read-only)", async () => {
    const data = hostDir("data");
    const sub = hostDir("data/sub");
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub]).exitCode).toBe(0);
    try {
      writeFileSync(join(sub, "f"), "sub\n");
      const r = await run(["-v", `${data}:/data:ro`, "sh", "-c", "cat /data/sub/f; echo w > /data/sub/f; echo write=$?; grep ' /data/sub ' /proc/self/mountinfo"]);
      expect(r.stdout).toContain("sub\n");
      expect(r.stdout).toContain("write=1");
      expect(r.stdout).toMatch(/ \/data\/sub ro,/);
      expect(readFileSync(join(sub, "f"), "utf8")).toBe("sub\n");
    } finally {
      Bun.spawnSync(["umount", sub]);
    }
  });

  test("a file volume, its destination made in the writable layer", async () => {
    const conf = join(host, "app.conf");
    writeFileSync(conf, "key=value\n");
    const root = stateDir();
    try {
      const r = await minic(["run", "--rootfs", ROOTFS, "--name", "filevol", "-v", `${conf}:/etc/app/app.conf:ro`, "cat", "/etc/app/app.conf"], root);
      expect(r.stdout).toBe("key=value\n");
      expect(existsSync(join(ROOTFS, "etc/app"))).toBe(false);
      const [id] = readdirSync(join(root, "containers"));
      const upper = join(root, "containers", id ?? "", "upper");
      // The /etc files minic binds have their empty mount points made there too (this rootfs lacks resolv.conf).
      expect(tree(upper).filter((path) => !/^etc\/(resolv\.conf|hosts|hostname)$/.test(path))).toEqual(["etc", "etc/app", "etc/app/app.conf"]);
      expect(readFileSync(join(upper, "etc/app/app.conf"), "utf8")).toBe(""); // the empty mount point
    } finally {
      await minic(["rm", "filevol"], root);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("a missing host directory is created, as Docker does", async () => {
    const missing = join(host, "new/deeper");
    const r = await run(["-v", `${missing}:/data`, "sh", "-c", "echo hi > /data/f"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(missing, "f"), "utf8")).toBe("hi\n");
  });

  test("nested volumes, mounted parent first", async () => {
    const outer = hostDir("outer", { "o": "outer\n" });
    const inner = hostDir("inner", { "i": "inner\n" });
    const r = await run(["-v", `${inner}:/data/nested/inner`, "-v", `${outer}:/data`, "sh", "-c", "cat /data/o /data/nested/inner/i"]);
    expect(r.stdout).toBe("outer\ninner\n");
    expect(existsSync(join(outer, "nested/inner"))).toBe(true); // the mount point, made in the parent volume
  });

  test("--mount type=bind in the long form", async () => {
    const data = hostDir("data", { "f": "long\n" });
    const r = await run(["--mount", `type=bind,source=${data},target=/srv,readonly`, "sh", "-c", "cat /srv/f; touch /srv/g"]);
    expect(r.stdout).toBe("long\n");
    expect(r.code).toBe(1);
    const missing = await run(["--mount", `type=bind,source=${join(host, "nope")},target=/srv`, "true"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toBe(`minic: bind source path does not exist: ${join(host, "nope")}\n`);
  });
});

describe("tmpfs", () => {
  test("default mode 1777, nosuid and nodev; size and mode from options", async () => {
    const r = await run(["--tmpfs", "/scratch", "--tmpfs", "/small:size=1m,mode=0750", "sh", "-c",
      "stat -c '%a' /scratch /small; grep -E ' /(scratch|small) ' /proc/self/mountinfo"]);
    const [scratchMode, smallMode, ...mounts] = r.stdout.trim().split("\n");
    expect(scratchMode).toBe("1777");
    expect(smallMode).toBe("750");
    expect(mounts.find((line) => line.includes(" /scratch "))).toMatch(/ rw,nosuid,nodev,.* - tmpfs tmpfs rw/);
    expect(mounts.find((line) => line.includes(" /small "))).toMatch(/ - tmpfs tmpfs rw,size=1024k,mode=750/);
  });

  test("a full tmpfs says so, and nothing is written to the rootfs", async () => {
    const r = await run(["--mount", "type=tmpfs,target=/small,tmpfs-size=64k", "sh", "-c", "dd if=/dev/zero of=/small/f bs=1k count=128 2>&1; ls -l /small/f"]);
    expect(r.stdout).toContain("No space left on device");
  });
});

describe("destinations stay inside the container's root", () => {
  let evil = "";
  beforeAll(() => {
    // A rootfs whose paths are symlinks pointing out of it: absolute, relative chains, a loop.
    evil = mkdtempSync(join(tmpdir(), "minic-evil-rootfs-"));
    cpSync(ROOTFS, evil, { recursive: true, verbatimSymlinks: true });
    symlinkSync("/etc", join(evil, "data"));
    symlinkSync("../../../../../../tmp", join(evil, "up"));
    symlinkSync("../../..", join(evil, "top"));
    symlinkSync("/loop-b", join(evil, "loop-a"));
    symlinkSync("/loop-a", join(evil, "loop-b"));
  });
  afterAll(() => rmSync(evil, { recursive: true, force: true }));

  const runOn = (args: string[]) => minicRun(evil, args);

  test("an absolute symlink lands the volume at the container's own /etc, never the host's", async () => {
    const vol = hostDir("vol", { "marker": "m\n" });
    const hostEtc = readdirSync("/etc");
    const r = await runOn(["-v", `${vol}:/data/sub`, "sh", "-c", "cat /etc/sub/marker; grep -c ' /etc/sub ' /proc/self/mountinfo"]);
    expect(r.stdout).toBe("m\n1\n");
    expect(readdirSync("/etc")).toEqual(hostEtc);
    expect(existsSync("/etc/sub")).toBe(false);
  });

  test("a ../ chain is clamped at the container's root", async () => {
    const vol = hostDir("vol", { "marker": "m\n" });
    const r = await runOn(["-v", `${vol}:/up/landed`, "sh", "-c", "cat /tmp/landed/marker"]);
    expect(r.stdout).toBe("m\n");
    expect(existsSync("/tmp/landed")).toBe(false);
  });

  test("a destination that resolves to the root itself, or loops, fails cleanly", async () => {
    const vol = hostDir("vol");
    const top = await runOn(["-v", `${vol}:/top`, "true"]);
    expect(top.code).toBe(125);
    expect(top.stderr).toBe(`minic: bind mount ${vol} on /top: it resolves to the container's root directory\n`);
    const loop = await runOn(["-v", `${vol}:/loop-a/x`, "true"]);
    expect(loop.code).toBe(125);
    expect(loop.stderr).toBe("minic: create /loop-a/x in the container: Too many levels of symbolic links\n");
  });

  test("a host directory made for a failed start is taken back", async () => {
    const made = join(host, "made/for/this");
    const r = await runOn(["-v", `${made}:/loop-a`, "true"]);
    expect(r.code).toBe(125);
    expect(existsSync(join(host, "made"))).toBe(false);
  });
});

describe("bad volume input (one line, 125, nothing left behind)", () => {
  let root = "";
  beforeEach(() => (root = stateDir()));
  afterEach(() => {
    expect(leftovers(root)).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });

  const cases: [string, string[], string][] = [
    ["relative host path", ["-v", "data:/data"], 'invalid volume "data:/data": the host path "data" must be absolute'],
    ["relative container path", ["-v", "/tmp:data"], 'invalid volume "/tmp:data": the container path "data" must be absolute'],
    ["empty part", ["-v", "/tmp::ro"], 'invalid volume "/tmp::ro": empty part'],
    ["unknown option", ["-v", "/tmp:/t:rslave"], 'invalid volume "/tmp:/t:rslave": unknown option "rslave" (ro or rw)'],
    ["ro and rw", ["-v", "/tmp:/t:ro,rw"], 'invalid volume "/tmp:/t:ro,rw": both ro and rw'],
    ["ro:rw", ["-v", "/tmp:/t:ro:rw"], 'invalid volume "/tmp:/t:ro:rw": expected HOST:CONTAINER[:OPTIONS]'],
    ["the root", ["-v", "/tmp:/"], `invalid volume "/tmp:/": cannot mount over the container's root`],
    ["under /proc", ["-v", "/tmp:/proc/x"], 'invalid volume "/tmp:/proc/x": /proc/x is inside /proc, which minic mounts itself'],
    ["under /sys", ["--tmpfs", "/sys/fs"], 'invalid --tmpfs "/sys/fs": /sys/fs is inside /sys, which minic mounts itself'],
    ["bad tmpfs option", ["--tmpfs", "/t:exec=yes"], 'invalid --tmpfs "/t:exec=yes": unknown tmpfs option "exec"'],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await minic(["run", "--rootfs", ROOTFS, ...args, "true"], root);
      expect(r.code).toBe(125);
      expect(r.stderr).toBe(`minic: ${message}\n`);
    });
  }

  test("a host path that is a named pipe", async () => {
    const fifo = join(host, "fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const r = await minic(["run", "--rootfs", ROOTFS, "-v", `${fifo}:/f`, "true"], root);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`minic: bind source ${fifo} is a named pipe, not a directory, a file or a socket\n`);
  });

  test("a socket is fine as a file bind", async () => {
    const socketPath = join(host, "sock");
    const server = Bun.listen({ unix: socketPath, socket: { data() {} } });
    try {
      const r = await minic(["run", "--rm", "--rootfs", ROOTFS, "-v", `${socketPath}:/run/app.sock`, "sh", "-c", "test -S /run/app.sock && echo socket"], root);
      expect(r.stdout).toBe("socket\n");
    } finally {
      server.stop(true);
    }
  });
});

async function minicRun(rootfs: string, args: string[]) {
  const root = stateDir();
  try {
    return await minic(["run", "--rm", "--rootfs", rootfs, ...args], root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
