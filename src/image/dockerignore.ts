// .dockerignore, read the way Docker reads it (moby/patternmatcher): one pattern per line, `#`
// comments, `!` re-includes, `*` and `?` within a path segment, `**` across segments, and a
// pattern that matches a directory excludes everything below it. The last matching pattern wins.
import { posix } from "node:path";

import { MinicError } from "../errors.ts";

export interface IgnorePattern {
  text: string;
  exclusion: boolean;
  matches(path: string): boolean;
}

/** What moby/patternmatcher escapes: regexp characters with no meaning in a path pattern (not `^`). */
const REGEX_SPECIALS = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

/**
 * A pattern as moby/patternmatcher compiles it: an exact path, a prefix (`foo**`), a suffix (a
 * leading `**` and nothing else special, as in `**.log`), or else a regular expression.
 */
function compile(pattern: string): (path: string) => boolean {
  let source = "^";
  let kind: "exact" | "prefix" | "suffix" | "regexp" = "exact";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? "";
    const first = i === 0;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        if (i + 1 >= pattern.length) {
          // `**` at the end takes everything below.
          if (kind === "exact") kind = "prefix";
          else {
            source += ".*";
            kind = "regexp";
          }
        } else {
          // Elsewhere any number of whole segments, even none.
          source += "(.*/)?";
          kind = "regexp";
        }
        if (first) kind = "suffix";
      } else {
        source += "[^/]*";
        kind = "regexp";
      }
    } else if (ch === "?") {
      source += "[^/]";
      kind = "regexp";
    } else if (ch === "\\") {
      if (i + 1 < pattern.length) {
        i++;
        source += `\\${pattern[i]}`;
        kind = "regexp";
      } else source += "\\\\";
    } else if (ch === "[" || ch === "]") {
      // As moby/patternmatcher does: a class goes into the regular expression as it is, so `^`
      // negates it and `!` is only a character (a shell's `[!a]` is not Docker's).
      source += ch;
      kind = "regexp";
    } else source += REGEX_SPECIALS.has(ch) ? `\\${ch}` : ch;
  }
  if (kind === "exact") return (path) => path === pattern;
  if (kind === "prefix") return (path) => path.startsWith(pattern.slice(0, -2));
  if (kind === "suffix") {
    const suffix = pattern.slice(2);
    // `**/foo` matches `foo` itself too.
    return (path) => path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`${source}$`);
  } catch {
    throw new MinicError(`.dockerignore: syntax error in pattern "${pattern}"`);
  }
  return (path) => regex.test(path);
}

/**
 * What Go's filepath.Match refuses, as moby checks each pattern with it before use: a trailing
 * `\\`, and a class that is empty, unclosed, or has a range or character missing (`[]a]`, `[^]`,
 * `[a-]`, `[-a]`).
 */
function checkSyntax(pattern: string): void {
  const bad = (): never => {
    throw new MinicError(`.dockerignore: syntax error in pattern "${pattern}"`);
  };
  // One character of a class (escaped or not), as Go's getEsc reads it: the index after it.
  const character = (at: number): number => {
    if (at >= pattern.length || pattern[at] === "-" || pattern[at] === "]") bad();
    if (pattern[at] === "\\" && ++at >= pattern.length) bad();
    if (++at >= pattern.length) bad();
    return at;
  };
  let i = 0;
  while (i < pattern.length) {
    if (pattern[i] === "\\") {
      if (i + 1 >= pattern.length) bad();
      i += 2;
      continue;
    }
    if (pattern[i] !== "[") {
      i++;
      continue;
    }
    i++;
    if (pattern[i] === "^") i++;
    for (let ranges = 0; ; ranges++) {
      if (pattern[i] === "]" && ranges > 0) {
        i++;
        break;
      }
      i = character(i);
      if (pattern[i] === "-") i = character(i + 1);
    }
  }
}

/** Clean a pattern as Docker does: no leading `/`, no `.` or `..` segments, no trailing `/`. */
function clean(text: string): string {
  const cleaned = posix.normalize(text).replace(/^\/+/, "").replace(/\/+$/, "");
  return cleaned === "." ? "" : cleaned;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split("\n")) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exclusion = line.startsWith("!");
    if (exclusion) line = line.slice(1).trim();
    if (exclusion && line === "") throw new MinicError('.dockerignore: illegal exclusion pattern: "!"');
    const cleaned = clean(line);
    if (cleaned === "") continue;
    checkSyntax(cleaned);
    patterns.push({ text: cleaned, exclusion, matches: compile(cleaned) });
  }
  return patterns;
}

/** True when `path` (relative, `/`-separated) or one of its parent directories matches. */
function matchesOrParent(pattern: IgnorePattern, path: string): boolean {
  if (pattern.matches(path)) return true;
  const parts = path.split("/");
  for (let n = parts.length - 1; n > 0; n--) {
    if (pattern.matches(parts.slice(0, n).join("/"))) return true;
  }
  return false;
}

export function isIgnored(patterns: IgnorePattern[], path: string): boolean {
  let ignored = false;
  for (const pattern of patterns) {
    // An exclusion can only undo a match, and a plain pattern only make one.
    if (pattern.exclusion !== ignored) continue;
    if (matchesOrParent(pattern, path)) ignored = !pattern.exclusion;
  }
  return ignored;
}

/** Whether an ignored directory must still be walked: some `!` pattern may re-include below it. */
export function mayReinclude(patterns: IgnorePattern[], dir: string): boolean {
  return patterns.some((pattern) => pattern.exclusion && (pattern.text.startsWith(`${dir}/`) || pattern.text.includes("*") || pattern.text.includes("?") || pattern.text.includes("[")));
}
