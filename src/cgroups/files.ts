// Reading and writing cgroup interface files, with errors that name the file and the value.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import type { CgroupDir, ContainerCgroup } from "./types.ts";

export function errorCode(error: unknown): string | null {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : null;
}

export function missingController(controller: string, where: string): MinicError {
  return new MinicError(`the ${controller} cgroup controller is not available on this host (${where})`);
}

/** mkdir a cgroup; `parents` also makes missing parents and accepts an existing directory. */
export function makeCgroupDir(path: string, parents: boolean): void {
  try {
    mkdirSync(path, { recursive: parents });
  } catch (error) {
    throw new MinicError(`cannot create the cgroup ${path}: ${errorCode(error) ?? String(error)}`);
  }
}

/** Write one cgroup file, with the file and value in the error. */
export function writeCgroupFile(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (error) {
    const code = errorCode(error);
    throw new MinicError(`cannot set ${file} to ${value} in ${dir}: ${code === "ENOENT" ? "no such cgroup file on this host" : (code ?? String(error))}`);
  }
}

/**
 * Several writes, in order, each a write(2) of its own (v1's devices.allow takes one rule per
 * write), through one open file per interface file.
 */
export function writeCgroupLines(dir: string, writes: [file: string, value: string][]): void {
  const open = new Map<string, number>();
  try {
    for (const [file, value] of writes) {
      let fd = open.get(file);
      try {
        if (fd === undefined) {
          fd = openSync(join(dir, file), "w");
          open.set(file, fd);
        }
        writeSync(fd, value);
      } catch (error) {
        const code = errorCode(error);
        throw new MinicError(`cannot set ${file} to ${value} in ${dir}: ${code === "ENOENT" ? "no such cgroup file on this host" : (code ?? String(error))}`);
      }
    }
  } finally {
    for (const fd of open.values()) closeSync(fd);
  }
}

export function readCgroupFile(dir: string, file: string): string | null {
  try {
    return readFileSync(join(dir, file), "utf8").trim();
  } catch {
    return null;
  }
}

export function cgroupFileExists(dir: string, file: string): boolean {
  return existsSync(join(dir, file));
}

/** A number from a cgroup file; null when missing, "max", or v1's "unlimited" (near 2^63). */
export function readNumber(dir: string, file: string): number | null {
  const text = readCgroupFile(dir, file);
  if (text === null || text === "max") return null;
  const value = Number(text);
  return Number.isFinite(value) && value < 2 ** 62 ? value : null;
}

/** `key value` lines (memory.stat, memory.events, cpu.stat, memory.oom_control) as a map. */
export function readKeyedFile(dir: string, file: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of (readCgroupFile(dir, file) ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) values.set(key, Number(value));
  }
  return values;
}

export function dirWith(cgroup: ContainerCgroup, controller: string): CgroupDir | undefined {
  return cgroup.dirs.find((dir) => dir.controllers.includes(controller));
}
