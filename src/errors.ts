/** Docker's exit codes for failures of the runtime itself rather than the workload. */
export const EXIT = {
  /** minic failed: bad flag, missing rootfs, setup error. */
  runtimeFailure: 125,
  /** the command exists but cannot be executed. */
  cannotExecute: 126,
  /** the command was not found. */
  notFound: 127,
} as const;

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
