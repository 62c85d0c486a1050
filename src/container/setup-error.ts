// A failed setup report turned into the one line a user reads, with Docker's exit code.
import { strerror } from "../../native/libc.ts";
import { EXIT, MinicError } from "../errors.ts";
import { constant } from "../plan/protocol.ts";
import type { Plan } from "../plan/plan.ts";
import { describeOp as describe } from "../plan/describe.ts";

const ENOENT = 2;

export function setupError(failure: { index: number; errno: number }, plan: Plan): MinicError {
  const op = plan.ops[failure.index];
  if (op === undefined) return new MinicError(`container setup failed: ${strerror(failure.errno)}`);
  if (op.op === "execve" || op.op === "check-command") return execError(op.file, failure.errno);
  const reason = failure.errno === constant("MINIC_EROOT") ? "it resolves to the container's root directory" : strerror(failure.errno);
  // An ordinary user's overlay is the kernel's only since Linux 5.11 (userxattr).
  const userOverlay = op.op === "mount" && op.fstype === "overlay" && op.data?.includes("userxattr") === true;
  return new MinicError(`${describe(op)}: ${reason}`, undefined, userOverlay ? "a rootless container's overlay needs Linux 5.11 or later, and a file system the kernel lets users mount overlays on" : undefined);
}

/** Docker's wording and codes: 127 when the command is not there, 126 when it cannot run. */
function execError(file: string, errno: number): MinicError {
  if (errno === ENOENT) {
    return file.includes("/")
      ? new MinicError(`exec: "${file}": no such file or directory`, EXIT.notFound)
      : new MinicError(`exec: "${file}": executable file not found in $PATH`, EXIT.notFound);
  }
  return new MinicError(`exec: "${file}": ${strerror(errno).toLowerCase()}`, EXIT.cannotExecute);
}

/**
 * The exit code for a setup error that arrives as its line only (from `minic create` under
 * conmon, whose runc-style exit code is 1): Docker's 127 and 126 for the command, else 125.
 */
export function exitCodeOfSetupLine(line: string): number {
  if (/^exec: ".*": (no such file or directory|executable file not found in \$PATH)$/.test(line)) return EXIT.notFound;
  if (/^exec: ".*": /.test(line)) return EXIT.cannotExecute;
  return EXIT.runtimeFailure;
}

/**
 * A Docker user's `minic run alpine sh`: an image's name where minic expects the command. The
 * hint for `run` and `create` when the command is not found and names no path.
 */
export function withImageHint(error: unknown): unknown {
  if (!(error instanceof MinicError) || error.exitCode !== EXIT.notFound || error.hint !== undefined) return error;
  // A bare word looked up in $PATH (alpine, alpine:3.19), or a reference minic took for a path
  // that only an image's name would be: a registry first (docker.io/..., host:5000/...) or a tag
  // or digest last (library/alpine:3.19). A plain relative path (bin/app) gets no hint.
  const name = /^exec: "([^"/]+)": executable file not found in \$PATH$/.exec(error.message)?.[1]
    ?? /^exec: "((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?|[a-z0-9-]+:\d+)(?:\/[\w.-]+)+(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?|[a-z0-9][\w.-]*(?:\/[\w.-]+)+(?::[\w.-]+|@sha256:[0-9a-f]{64}))": no such file or directory$/.exec(error.message)?.[1];
  if (name === undefined) return error;
  return new MinicError(error.message, error.exitCode, `is "${name}" an image? minic runs a root filesystem given with --rootfs, which minic build makes`);
}
