// Declarations of the libc calls the parent process makes, and thin wrappers that turn
// C conventions (-1 and errno, out-parameters) into values. No policy lives here.
import { dlopen, ptr, read, CString } from "bun:ffi";

const libc = dlopen("libc.so.6", {
  pipe2: { args: ["ptr", "i32"], returns: "i32" },
  socketpair: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  write: { args: ["i32", "ptr", "u64"], returns: "i64" },
  strerror: { args: ["i32"], returns: "ptr" },
  geteuid: { args: [], returns: "u32" },
  umount2: { args: ["ptr", "i32"], returns: "i32" },
  shutdown: { args: ["i32", "i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
});

const O_CLOEXEC = 0o2000000;

/** The calling thread's errno, read right after a failed call. */
export function lastErrno(): number {
  const location = libc.symbols.__errno_location();
  if (location === null) return 0;
  return read.i32(location, 0);
}

/** An error from a libc call, carrying errno so callers can decide what it means. */
export class SystemError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call}: ${strerror(errno)}`);
    this.name = "SystemError";
  }
}

export function strerror(errno: number): string {
  const message = libc.symbols.strerror(errno);
  return message === null ? `errno ${errno}` : new CString(message).toString();
}

export interface Pipe {
  readEnd: number;
  writeEnd: number;
}

/** A close-on-exec pipe. */
export function pipe(): Pipe {
  const fds = new Int32Array(2);
  if (libc.symbols.pipe2(ptr(fds), O_CLOEXEC) !== 0) throw new SystemError("pipe2", lastErrno());
  return { readEnd: fds[0] ?? -1, writeEnd: fds[1] ?? -1 };
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;

/** A connected pair of unix stream sockets, close-on-exec: one end for each side. */
export function socketPair(): [number, number] {
  const fds = new Int32Array(2);
  if (libc.symbols.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ptr(fds)) !== 0) throw new SystemError("socketpair", lastErrno());
  return [fds[0] ?? -1, fds[1] ?? -1];
}

export function close(fd: number): void {
  libc.symbols.close(fd);
}

/** Write all of `data` to `fd` (a pipe end the caller owns). */
export function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    const n = Number(libc.symbols.write(fd, ptr(data, offset), data.length - offset));
    if (n < 0) {
      const errno = lastErrno();
      if (errno === 4) continue; // EINTR
      throw new SystemError("write", errno);
    }
    offset += n;
  }
}

export function geteuid(): number {
  return libc.symbols.geteuid();
}

const MNT_DETACH = 2;
const UMOUNT_NOFOLLOW = 8;

/** Detach the mount at `path` (lazily, as umount -l), a symlink there not followed; 0 or the errno. */
export function detachMount(path: string): number {
  return libc.symbols.umount2(ptr(Buffer.from(`${path}\0`)), MNT_DETACH | UMOUNT_NOFOLLOW) === 0 ? 0 : lastErrno();
}

const SHUT_WR = 1;
const SHUT_RDWR = 2;

/** shutdown(2) both ways: a read pending on the socket in another thread returns. */
export function shutdownSocket(fd: number): void {
  libc.symbols.shutdown(fd, SHUT_RDWR);
}

/** shutdown(2) of the sending side only: the peer reads end of file, and may still answer. */
export function shutdownWrite(fd: number): void {
  libc.symbols.shutdown(fd, SHUT_WR);
}
