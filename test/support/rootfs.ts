// A busybox root filesystem from Debian's busybox-static, as MACHINE.md describes: a static
// /bin/busybox, its ~270 applets as symlinks, and a minimal /etc. Used by the tests, the
// benchmark and `make run`'s offline path. Run directly: `bun test/support/rootfs.ts DIR`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const BUSYBOX = "/bin/busybox";

export function buildBusyboxRootfs(target: string): string {
  const dir = resolve(target);
  if (existsSync(join(dir, "bin", "busybox"))) return dir;
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const sub of ["bin", "etc", "proc", "sys", "dev", "tmp", "root", "usr/bin", "usr/sbin", "sbin"]) {
    mkdirSync(join(staging, sub), { recursive: true });
  }
  chmodSync(join(staging, "tmp"), 0o1777);
  copyFileSync(BUSYBOX, join(staging, "bin", "busybox"));
  chmodSync(join(staging, "bin", "busybox"), 0o755);
  const install = spawnSync("chroot", [staging, "/bin/busybox", "--install", "-s", "/bin"], { encoding: "utf8" });
  if (install.status !== 0) throw new Error(`busybox --install failed: ${install.stderr}`);
  writeFileSync(join(staging, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  writeFileSync(join(staging, "etc", "group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
  writeFileSync(join(staging, "etc", "hostname"), "busybox\n");
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

if (import.meta.main) {
  const target = process.argv[2];
  if (!target) {
    console.error("usage: bun test/support/rootfs.ts DIR");
    process.exit(2);
  }
  console.log(buildBusyboxRootfs(target));
}
