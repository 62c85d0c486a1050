// The probe (probe.c), compiled once per source version into .cache/ and bound into containers
// read-only: it tries system calls as an attacker would and prints what each answered.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";

const SOURCE = join(import.meta.dir, "probe.c");

export function probeBinary(cacheDir: string): string {
  const hash = Bun.hash(readFileSync(SOURCE)).toString(36);
  const binary = join(cacheDir, `probe-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  const built = spawnSync("gcc", ["-static", "-O1", "-o", partial, SOURCE], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`cannot build the probe (gcc, libc6-dev): ${built.stderr}`);
  renameSync(partial, binary);
  return binary;
}
