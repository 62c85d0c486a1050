// The host side of bind mounts: what each source is, and making the missing directories -v asks
// for. Everything here runs in the parent, before the child exists.
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { MinicError } from "../errors.ts";
import { isErrno } from "../state/store.ts";
import type { MountRequest } from "../spec/mount-flags.ts";

/**
 * Check each bind source before anything is made: a directory, a file or a socket is fine (the
 * executor makes the mount point of the same kind); returns the sources -v will create as
 * directories.
 */
export function inspectBindSources(requests: MountRequest[]): string[] {
  const missing: string[] = [];
  for (const request of requests) {
    if (request.type !== "bind") continue;
    const { source } = request;
    try {
      const stats = statSync(source);
      if (!stats.isDirectory() && !stats.isFile() && !stats.isSocket()) throw new MinicError(`bind source ${source} is ${describeType(stats)}, not a directory, a file or a socket`);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) {
        if (error instanceof MinicError) throw error;
        throw new MinicError(`bind source ${source}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!request.createSource) throw new MinicError(`bind source path does not exist: ${source}`);
      missing.push(source);
    }
  }
  return missing;
}

function describeType(stats: { isFIFO(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isCharacterDevice()) return "a character device";
  return "neither a directory nor a file";
}

/**
 * Create the missing source directories (as Docker does for -v). Returns every directory made,
 * deepest first, so that a failed start can take exactly those back.
 */
export function createBindSources(missing: string[]): string[] {
  const created: string[] = [];
  for (const path of missing) {
    const made: string[] = [];
    for (let dir = path; !existsSync(dir); dir = dirname(dir)) made.push(dir);
    try {
      mkdirSync(path, { recursive: true, mode: 0o755 });
    } catch (error) {
      removeBindSources([...made, ...created]);
      throw new MinicError(`cannot create bind source ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    created.unshift(...made);
  }
  return created;
}

/** Remove directories made by createBindSources, only while they are still empty. */
export function removeBindSources(created: string[]): void {
  for (const dir of created) {
    try {
      rmdirSync(dir);
    } catch {
      return; // no longer empty, or gone: leave the rest as they are
    }
  }
}
