// One minic command at a time per container: an exclusive flock(2) on the container's directory.
// flock rather than a lock file with a pid in it: the kernel drops the lock when the holder dies,
// however it dies, so there is never a stale lock to detect or break.
import { dlopen } from "bun:ffi";
import { closeSync, constants, openSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { lastErrno, strerror } from "../../native/libc.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EINTR = 4;
const EWOULDBLOCK = 11;
// Not inherited by what minic spawns: a container's process holding its own record's lock
// would keep every later command out for as long as it runs.
const O_CLOEXEC = 0o2000000;

export interface Lock {
  release(): void;
}

export interface LockOptions {
  /** false: fail at once with a LockBusyError instead of waiting for the holder. */
  wait?: boolean;
  /** What the lock guards, for the busy message ("container 0123456789ab"); the path by default. */
  what?: string;
}

/** Another process holds the lock and the caller chose not to wait. */
export class LockBusyError extends MinicError {
  constructor(what: string) {
    super(`${what} is busy: another minic command is working on it`, undefined, "try again when that command has finished");
    this.name = "LockBusyError";
  }
}

export function isLockBusy(error: unknown): error is LockBusyError {
  return error instanceof LockBusyError;
}

// Loaded on first use, so commands that never lock pay nothing for it.
let library: ReturnType<typeof open> | null = null;
function open() {
  return dlopen("libc.so.6", { flock: { args: ["i32", "i32"], returns: "i32" } }).symbols;
}
function libc() {
  library ??= open();
  return library;
}

/**
 * Take the exclusive lock on `path` (a directory or a file), waiting for it unless
 * `wait: false`. A waiter may wake to find the directory removed: callers re-read what it guards.
 */
export function lockPath(path: string, options: LockOptions = {}): Lock {
  const what = options.what ?? path;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_CLOEXEC);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Bun says "ENOENT: no such file or directory, open '/x'": keep the middle.
    throw new MinicError(`cannot lock ${what}: ${/^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? message}`);
  }
  const operation = options.wait === false ? LOCK_EX | LOCK_NB : LOCK_EX;
  for (;;) {
    if (libc().flock(fd, operation) === 0) break;
    const errno = lastErrno();
    if (errno === EINTR) continue;
    closeSync(fd);
    if (errno === EWOULDBLOCK) throw new LockBusyError(what);
    throw new MinicError(`cannot lock ${what}: ${strerror(errno)}`);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      // Unlock before closing: should the descriptor have been duplicated, close alone would keep it.
      libc().flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

/** Run `fn` holding the lock on `path`, waiting for it. `fn` must be synchronous: the lock is gone when it returns. */
export function withLock<T>(path: string, fn: () => T): T {
  const lock = lockPath(path);
  try {
    return fn();
  } finally {
    lock.release();
  }
}
