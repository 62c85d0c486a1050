#!/usr/bin/env bun
// minic's entry point: dispatch to a command, and turn every error into one line and an exit code.
import { HIDDEN_VERBS, mainDefinition, usageText, VERBS } from "./cli/command.ts";
import { EXIT, MinicError, ReaderGone } from "./errors.ts";
import { enableDebug, log } from "./log.ts";
import { speaksRunc } from "./cli/dialect.ts";
import { nearest } from "./cli/suggest.ts";
import { writeStdout } from "./output.ts";

/** What may come before the command (`--debug`), and the forms that stand for one. */
const GLOBAL_FLAGS = ["debug", "version", "help"];

async function main(argv: string[]): Promise<number> {
  if (speaksRunc(argv)) return (await import("./cli/oci/main.ts")).runOci(argv);
  let args = argv;
  while (args[0] === "--debug") {
    enableDebug();
    args = args.slice(1);
  }
  const [name, ...rest] = args;
  if (name === "--version" || name === "-v") {
    writeStdout((await import("./cli/version.ts")).versionText());
    return 0;
  }
  if (name === "help" && rest[0] !== undefined && !rest[0].startsWith("-")) return helpFor(rest[0]);
  // No command at all prints the help and succeeds, as Docker's does.
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    writeStdout(await usageText(mainDefinition));
    return 0;
  }
  if (name.startsWith("-")) {
    const near = name.startsWith("--") ? nearest(name.slice(2), GLOBAL_FLAGS) : null;
    throw new MinicError(`unknown flag: ${name}`, undefined, near !== null ? `did you mean --${near}? see 'minic --help'` : "see 'minic --help'");
  }
  // Own keys only: `minic constructor` must not find Object's.
  const load = Object.hasOwn(VERBS, name) ? VERBS[name] : Object.hasOwn(HIDDEN_VERBS, name) ? HIDDEN_VERBS[name] : undefined;
  if (load === undefined) {
    const near = nearest(name, Object.keys(VERBS));
    throw new MinicError(`unknown command "${name}"`, undefined, near !== null ? `did you mean "${near}"? see 'minic --help'` : "see 'minic --help'");
  }
  return (await load()).handle(rest);
}

/** `minic help COMMAND`: that command's --help. */
async function helpFor(name: string): Promise<number> {
  const load = Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
  if (load === undefined) {
    const near = nearest(name, Object.keys(VERBS));
    throw new MinicError(`unknown command "${name}"`, undefined, near !== null ? `did you mean "${near}"? see 'minic --help'` : "see 'minic --help'");
  }
  return (await load()).handle(["--help"]);
}

function report(error: unknown): number {
  if (error instanceof ReaderGone) return EXIT.readerGone;
  if (error instanceof MinicError) {
    log.error(error.hint ? `${error.message} (${error.hint})` : error.message);
    if (error.stack) log.debug(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  log.error(message);
  if (error instanceof Error && error.stack) log.debug(error.stack);
  return EXIT.runtimeFailure;
}

const code = await main(process.argv.slice(2)).catch(report);
process.exit(code);
