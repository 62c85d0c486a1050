// Help in Docker's shape, rendered from the same flag tables the parser reads (argv.ts), so the
// two cannot disagree: a true usage line, the description, aligned options with their short and
// long forms, then examples, the environment variables the command reads and its exit codes;
// wrapped to the terminal (80 columns when stdout is not one), no trailing spaces.
import type { FlagSpec } from "./argv.ts";

export interface HelpPage {
  /** `minic run [OPTIONS] [COMMAND [ARG...]]`, as Docker writes usage lines. */
  usage: string;
  description: string;
  flags: FlagSpec[];
  /** Subcommands or commands: name and what it does. */
  commands?: { title: string; rows: [string, string][] };
  examples?: string[];
  environment?: [string, string][];
  exitCodes?: [string, string][];
}

/** The width to wrap at: the terminal's, else 80. */
export function helpWidth(): number {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 80;
}

/** A long value hint goes into the description; a short one names the value. */
const VALUE_WORD_MAX = 16;

function flagColumn(flag: FlagSpec): string {
  const names = `${flag.short !== undefined ? `-${flag.short}, ` : "    "}--${flag.name}`;
  if (flag.kind === "boolean") return names;
  const hint = flag.valueHint ?? "";
  return `${names} ${hint !== "" && hint.length <= VALUE_WORD_MAX ? hint : flag.kind}`;
}

function flagDescription(flag: FlagSpec): string {
  const hint = flag.valueHint ?? "";
  return flag.kind !== "boolean" && hint.length > VALUE_WORD_MAX ? `${flag.description} (${hint})` : flag.description;
}

/** A word longer than `width` in pieces, broken after its commas and bars (a format like
 *  `type=bind|tmpfs,source=HOST,...`), or anywhere when it has none. */
function breakWord(word: string, width: number): string[] {
  if (word.length <= width) return [word];
  const pieces: string[] = [];
  let piece = "";
  for (const part of word.split(/(?<=[,|])/)) {
    if (piece !== "" && piece.length + part.length > width) {
      pieces.push(piece);
      piece = "";
    }
    piece += part;
    while (piece.length > width) {
      pieces.push(piece.slice(0, width));
      piece = piece.slice(width);
    }
  }
  if (piece !== "") pieces.push(piece);
  return pieces;
}

/** Words of `text` in lines of at most `width`. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean).flatMap((w) => breakWord(w, width))) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.length > 0 ? lines : [""];
}

/** Two columns: the left padded to its widest, the right wrapped in what is left of `width`. */
function table(rows: [string, string][], width: number, indent = "  "): string[] {
  const left = Math.max(...rows.map(([name]) => name.length));
  // At least a few words a line, even on a terminal narrower than the names.
  const room = Math.max(16, width - indent.length - left - 3);
  return rows.flatMap(([name, text]) => wrap(text, room).map((part, i) => `${indent}${(i === 0 ? name : "").padEnd(left)}   ${part}`.trimEnd()));
}

export function renderHelp(page: HelpPage, width = helpWidth()): string {
  const out: string[] = [`Usage:  ${page.usage}`, "", ...wrap(page.description, width)];
  if (page.commands !== undefined && page.commands.rows.length > 0) out.push("", `${page.commands.title}:`, ...table(page.commands.rows, width));
  const flags = page.flags.filter((flag) => flag.name !== "help");
  if (flags.length > 0) out.push("", "Options:", ...table(flags.map((flag) => [flagColumn(flag), flagDescription(flag)]), width));
  if (page.examples !== undefined && page.examples.length > 0) out.push("", "Examples:", ...page.examples.map((example) => `  ${example}`));
  if (page.environment !== undefined && page.environment.length > 0) out.push("", "Environment:", ...table(page.environment, width));
  if (page.exitCodes !== undefined && page.exitCodes.length > 0) out.push("", "Exit status:", ...table(page.exitCodes, width));
  return `${out.map((line) => line.trimEnd()).join("\n")}\n`;
}

/** What every container-running command exits with, as Docker's do. */
export const RUN_EXIT_CODES: [string, string][] = [
  ["125", "minic itself failed: bad input, or the container could not be made"],
  ["126", "the command was found but cannot be run"],
  ["127", "the command was not found"],
  ["N", "otherwise the command's own exit status (128+N when killed by signal N)"],
];

/** What a command that runs no container exits with. */
export const COMMAND_EXIT_CODES: [string, string][] = [
  ["0", "it did what was asked"],
  ["125", "it could not: bad input, or what it names is not there (one line on stderr says which)"],
];

export const COMMON_ENVIRONMENT: [string, string][] = [
  ["MINIC_ROOT", "where containers are kept (default /var/lib/minic; for an ordinary user $XDG_DATA_HOME/minic, else ~/.local/share/minic)"],
  ["XDG_RUNTIME_DIR", "an ordinary user's runtime files (slirp4netns's sockets) go in its minic directory"],
  ["MINIC_DEBUG", "any value: debug messages and stack traces, as --debug"],
];
