/** Docker's exit codes for failures of the runtime itself rather than the workload. */
export const EXIT = {
  /** minic failed: bad flag, missing rootfs, setup error. */
  runtimeFailure: 125,
  /** the command exists but cannot be executed. */
  cannotExecute: 126,
  /** the command was not found. */
  notFound: 127,
  /** stdout's reader went away: what a Unix tool killed by SIGPIPE reports (128 + 13). */
  readerGone: 141,
} as const;

/**
 * stdout's reader went away (`minic logs -f web | head -1`). Thrown where output is written, so
 * that the command unwinds through its own clean-up; src/main.ts ends with EXIT.readerGone and no
 * message, as Docker's CLI ends on SIGPIPE.
 */
export class ReaderGone extends Error {
  constructor() {
    super("stdout's reader went away");
    this.name = "ReaderGone";
  }
}

/**
 * Every failure minic reports to a user. The message is one line; the exit code is Docker's.
 * Messages are turned into output in exactly one place (src/main.ts).
 */
export class MinicError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.runtimeFailure,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "MinicError";
  }
}
