import { closeSync, constants, openSync, readFileSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { NativeExecutor } from "../../native/executor.ts";
import { MinicError } from "../errors.ts";
import { resolveUser, type ResolvedUser, type UserDatabase } from "../spec/user.ts";
import { isErrno } from "../state/store.ts";

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

const O_DIRECTORY = constants.O_DIRECTORY;

/**
 * A file of the container as the container sees it: `path` resolved inside `root` (openat2
 * RESOLVE_IN_ROOT), so an absolute symlink or `..` in the image never reaches the host's files.
 * null when it is missing or not readable.
 */
export function readFileInRoot(executor: NativeExecutor, root: string, path: string): string | null {
  let rootFd: number;
  try {
    rootFd = openSync(root, constants.O_RDONLY | O_DIRECTORY);
  } catch {
    return null;
  }
  try {
    const fd = executor.openInRoot(rootFd, path, constants.O_RDONLY);
    if (fd < 0) return null;
    try {
      return readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(rootFd);
  }
}

/** -u (null: root) resolved in the /etc/passwd and /etc/group found inside `root`. */
export function userInRoot(executor: NativeExecutor, root: string, user: string | null): ResolvedUser {
  const db: UserDatabase = {
    passwd: readFileInRoot(executor, root, "/etc/passwd"),
    group: readFileInRoot(executor, root, "/etc/group"),
  };
  return resolveUser(user, db);
}
