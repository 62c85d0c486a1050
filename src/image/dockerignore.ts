// .dockerignore, read the way Docker reads it (moby/patternmatcher): one pattern per line, `#`
// comments, `!` re-includes, `*` and `?` within a path segment, `**` across segments, and a
// pattern that matches a directory excludes everything below it. The last matching pattern wins.
import { posix } from "node:path";

export interface IgnorePattern {
  text: string;
  exclusion: boolean;
  regex: RegExp;
}

const REGEX_SPECIALS = new Set([".", "+", "(", ")", "|", "{", "}", "$", "^"]);

function compile(pattern: string): RegExp {
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? "";
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        // `**` at the end takes everything; elsewhere any number of whole segments, even none.
        source += i + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else source += "[^/]*";
    } else if (ch === "?") source += "[^/]";
    else if (ch === "\\" && i + 1 < pattern.length) {
      i++;
      source += `\\${pattern[i]}`;
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) source += "\\[";
      else {
        // As moby/patternmatcher does: the class goes into the regular expression as it is, so
        // `^` negates it and `!` is only a character (a shell's `[!a]` is not Docker's).
        source += `[${pattern.slice(i + 1, end)}]`;
        i = end;
      }
    } else source += REGEX_SPECIALS.has(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`${source}$`);
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
    const cleaned = clean(line);
    if (cleaned === "") continue;
    patterns.push({ text: cleaned, exclusion, regex: compile(cleaned) });
  }
  return patterns;
}

/** True when `path` (relative, `/`-separated) or one of its parent directories matches. */
function matchesOrParent(pattern: IgnorePattern, path: string): boolean {
  if (pattern.regex.test(path)) return true;
  const parts = path.split("/");
  for (let n = parts.length - 1; n > 0; n--) {
    if (pattern.regex.test(parts.slice(0, n).join("/"))) return true;
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
