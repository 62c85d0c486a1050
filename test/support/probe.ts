// Small static test programs, compiled once per source version into .cache/: probe.c (bound into
// containers, it tries system calls as an attacker would) and recvtty.c (a console socket's
// other end, as conmon is).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";

/** A static test program from test/support/NAME.c, compiled once per source version. */
export function testProgram(name: string, cacheDir: string): string {
  const source = join(import.meta.dir, `${name}.c`);
  const hash = Bun.hash(readFileSync(source)).toString(36);
  const binary = join(cacheDir, `${name}-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  const built = spawnSync("gcc", ["-static", "-O1", "-o", partial, source], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`cannot build ${name} (gcc, libc6-dev): ${built.stderr}`);
  renameSync(partial, binary);
  return binary;
}

export function probeBinary(cacheDir: string): string {
  return testProgram("probe", cacheDir);
}
