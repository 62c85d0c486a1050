// mkfifo(3), loaded only by `minic create`: every bun:ffi symbol costs start-up time.
import { dlopen, ptr } from "bun:ffi";
import { lastErrno, SystemError } from "./libc.ts";

export function mkfifo(path: string, mode: number): void {
  const { symbols } = dlopen("libc.so.6", { mkfifo: { args: ["ptr", "u32"], returns: "i32" } });
  if (symbols.mkfifo(ptr(Buffer.from(`${path}\0`)), mode) !== 0) throw new SystemError(`mkfifo ${path}`, lastErrno());
}
