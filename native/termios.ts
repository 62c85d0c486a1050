// The host terminal's libc calls: raw mode (saved and restored byte for byte) and window sizes.
// Loaded only by `run -t`, so other commands pay nothing for them.
import { dlopen, ptr } from "bun:ffi";
import { SystemError, lastErrno } from "./libc.ts";

const TCSANOW = 0;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TERMIOS_SIZE = 64; // glibc's struct termios is 60 bytes

let library: ReturnType<typeof open> | null = null;
function open() {
  return dlopen("libc.so.6", {
    isatty: { args: ["i32"], returns: "i32" },
    tcgetattr: { args: ["i32", "ptr"], returns: "i32" },
    tcsetattr: { args: ["i32", "i32", "ptr"], returns: "i32" },
    cfmakeraw: { args: ["ptr"], returns: "void" },
    ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  }).symbols;
}
function libc() {
  library ??= open();
  return library;
}

export function isatty(fd: number): boolean {
  return libc().isatty(fd) === 1;
}

/** The terminal's settings as they are now, to hand back to restoreTerminal. */
export type SavedTerminal = Uint8Array;

/** Put the terminal on `fd` in raw mode; returns what it was. */
export function makeRaw(fd: number): SavedTerminal {
  const saved = new Uint8Array(TERMIOS_SIZE);
  if (libc().tcgetattr(fd, ptr(saved)) !== 0) throw new SystemError("tcgetattr", lastErrno());
  const raw = saved.slice();
  libc().cfmakeraw(ptr(raw));
  if (libc().tcsetattr(fd, TCSANOW, ptr(raw)) !== 0) throw new SystemError("tcsetattr", lastErrno());
  return saved;
}

export function restoreTerminal(fd: number, saved: SavedTerminal): void {
  libc().tcsetattr(fd, TCSANOW, ptr(saved));
}

export interface WindowSize {
  rows: number;
  columns: number;
}

export function getWindowSize(fd: number): WindowSize | null {
  const size = new Uint16Array(4);
  if (libc().ioctl(fd, TIOCGWINSZ, ptr(size)) !== 0) return null;
  const [rows = 0, columns = 0] = size;
  return rows > 0 && columns > 0 ? { rows, columns } : null;
}

export function setWindowSize(fd: number, size: WindowSize): void {
  const value = new Uint16Array([size.rows, size.columns, 0, 0]);
  if (libc().ioctl(fd, TIOCSWINSZ, ptr(value)) !== 0) throw new SystemError("ioctl TIOCSWINSZ", lastErrno());
}
