// The container's seccomp filter: which profile (minic's default, none, or a file in Docker's
// format), resolved for the container and compiled for the plan. Both steps are cached in
// MINIC_ROOT/seccomp by content: resolving the default profile cost most of a millisecond of
// every start, compiling it more than ten.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import type { CompiledFilters } from "../plan/plan.ts";
import { seccompProgram } from "../seccomp/compile.ts";
import defaultProfileFile from "../seccomp/default-profile.json" with { type: "text" };
import { seccompFromProfile, type SeccompHost } from "../seccomp/profile.ts";
import type { Seccomp } from "../seccomp/types.ts";
import type { Spec } from "../spec/types.ts";
import { fsReason } from "../state/store.ts";

/**
 * --security-opt seccomp=...: null for minic's default profile, "unconfined" (no filter), or a
 * file. Returns the resolver buildSpec calls with the container's capabilities.
 */
export function seccompResolver(choice: string | null, root: string): ((host: SeccompHost) => Seccomp) | null {
  if (choice === "unconfined") return null;
  // The default profile comes in as text (TypeScript types a .json import as its object): hashed
  // for the cache key as it is, parsed only when it must be resolved.
  const { text, source } = choice === null ? { text: defaultProfileFile as unknown as string, source: "(minic's default)" } : readProfile(choice);
  return (host) => {
    // What decides the outcome: the profile, the capabilities, the architecture, and the kernel
    // (minKernel conditions compare major.minor only).
    const kernel = host.kernel.split(/[.-]/).slice(0, 2).join(".");
    const key = Bun.hash(`${text}\0${host.capabilities.join(",")}\0${host.arch}\0${kernel}`).toString(36);
    const path = join(root, "seccomp", `profile-${key}.json`);
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Seccomp;
    } catch {
      // not resolved yet (or unreadable: resolved again below)
    }
    const resolved = seccompFromProfile(parseProfile(text, source), host, source);
    cacheWrite(path, JSON.stringify(resolved));
    return resolved;
  };
}

function readProfile(path: string): { text: string; source: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new MinicError(`cannot read the seccomp profile ${path}: ${fsReason(error)}`);
  }
  // Parsed now, so that a broken file is refused even when the cache holds its key.
  parseProfile(text, path);
  return { text, source: path };
}

function parseProfile(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MinicError(`seccomp profile ${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** A cache entry, written aside and renamed; a cache that cannot be written is only slower. */
function cacheWrite(path: string, text: string): void {
  const partial = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(partial, text, { mode: 0o600 });
    renameSync(partial, path);
  } catch {
    // the next start resolves it again
  }
}

/** What the plan installs: the spec's seccomp program (compiled once, then cached in `root`). */
export function compiledFilters(spec: Spec, root: string): CompiledFilters {
  const seccomp = spec.linux.seccomp;
  return { seccomp: seccomp === undefined ? null : Buffer.from(seccompProgram(seccomp, root)).toString("base64") };
}

