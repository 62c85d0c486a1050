// Text for the user's stdout and stderr, written straight to fds 1 and 2. Bun makes
// process.stdout and process.stderr on first use as Node streams, which costs about 9 ms a start
// on this project's machine (a compiled hello-world takes 5 ms in all): `run -d`, `create`,
// `ps` and every warning would pay it. A plain write(2) costs microseconds.
import { writeSync } from "node:fs";
import { ReaderGone } from "./errors.ts";

const STDOUT = 1;
const STDERR = 2;
const pause = new Int32Array(new SharedArrayBuffer(4));

function errnoCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

function writeAllTo(fd: number, text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      const code = errnoCode(error);
      // A reader that left: on stdout the command is to end (Bun ignores SIGPIPE, which would
      // end it), through its own clean-up; a message on stderr, often written during clean-up,
      // is dropped instead, so that the clean-up goes on.
      if (code === "EPIPE") {
        if (fd === STDOUT) throw new ReaderGone();
        return;
      }
      // An fd the caller made non-blocking: wait for the reader, a millisecond at a time.
      if (code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      throw error;
    }
  }
}

export function writeStdout(text: string): void {
  writeAllTo(STDOUT, text);
}

export function writeStderr(text: string): void {
  writeAllTo(STDERR, text);
}
