import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { homeFromPasswd } from "../spec/env.ts";
import { isErrno } from "../state/store.ts";
import { MinicError } from "../errors.ts";

/** overlayfs splits its options on ',' and lowerdir on ':': such paths cannot be passed. */
const OVERLAY_UNSAFE = /[,:\\\n]/;

/** The rootfs as an absolute, canonical path, or a clear error. */
export function resolveRootfs(dir: string): string {
  const absolute = resolve(dir);
  let real: string;
  try {
    real = realpathSync(absolute);
    if (!statSync(real).isDirectory()) throw new MinicError(`rootfs ${absolute} is not a directory`);
  } catch (error) {
    if (error instanceof MinicError) throw error;
    if (isErrno(error, "ENOENT")) {
      throw new MinicError(`rootfs ${absolute} does not exist`, undefined, "build one with `minic build`, or pass --rootfs DIR");
    }
    throw new MinicError(`cannot use rootfs ${absolute}: ${(error as Error).message}`);
  }
  assertOverlaySafe(real, "rootfs");
  return real;
}

export function assertOverlaySafe(path: string, what: string): void {
  if (OVERLAY_UNSAFE.test(path)) {
    throw new MinicError(`the ${what} path ${path} contains ',', ':' or '\\', which overlayfs cannot take`);
  }
}

/**
 * HOME for root from the rootfs's /etc/passwd, else /root. A symlinked /etc or passwd is not
 * followed: it would be resolved against the host, not the container.
 */
export function rootHome(rootfs: string): string {
  const etc = join(rootfs, "etc");
  const passwd = join(etc, "passwd");
  try {
    if (lstatSync(etc).isSymbolicLink() || !lstatSync(passwd).isFile()) return "/root";
    return homeFromPasswd(readFileSync(passwd, "utf8"), 0) ?? "/root";
  } catch {
    return "/root";
  }
}
