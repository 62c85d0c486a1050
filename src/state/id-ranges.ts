// Claims on ranges of host ids for `--userns=auto`: <root>/userns/<first id> -> <container id>, a
// symlink whose creation is the claim, as names/ are. A claim whose container no longer exists is
// free again; `rm` releases its container's.
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { RECORD_FILE } from "./atomic-file.ts";
import { withLock } from "./lock.ts";

function rangesDir(root: string): string {
  return join(root, "userns");
}

function holderOf(root: string, first: number): string | null {
  try {
    return readlinkSync(join(rangesDir(root), String(first)));
  } catch {
    return null;
  }
}

/** A claim made this long ago without a record is a run that failed before it made one. */
const MAKING_MS = 10 * 60 * 1000;

/**
 * Whether the range starting at `first` is held: by a container that still exists, or by one
 * being made (its claim is taken before its record is written, so a fresh claim counts).
 */
export function rangeTaken(root: string, first: number): boolean {
  const holder = holderOf(root, first);
  if (holder === null) return false;
  if (existsSync(join(root, "containers", holder, RECORD_FILE))) return true;
  try {
    return Date.now() - lstatSync(join(rangesDir(root), String(first))).mtimeMs < MAKING_MS;
  } catch {
    return false;
  }
}

/**
 * Put `id`'s claim in place of a stale one: a new link renamed over the old, so that the claim
 * never disappears, and a run trying the fast path meanwhile finds it taken, not free.
 */
function takeOver(link: string, id: string): void {
  const next = `${link}.${id}.tmp`;
  rmSync(next, { force: true });
  symlinkSync(id, next);
  renameSync(next, link);
}

/** Make `link` name `id` if nobody holds it; null: it exists (taken, or stale). */
function claimFast(dir: string, link: string, id: string): true | null {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    symlinkSync(id, link);
    return true;
  } catch {
    return null;
  }
}

/**
 * Claim the range starting at `first` for container `id` if it is free: true when it is now
 * `id`'s. The symlink's creation is the claim, so two runs choosing at once never both get it.
 */
export function tryClaimRange(root: string, first: number, id: string): boolean {
  const dir = rangesDir(root);
  const link = join(dir, String(first));
  if (holderOf(root, first) === id || claimFast(dir, link, id)) return true;
  return withLock(dir, () => {
    if (holderOf(root, first) === id) return true;
    if (rangeTaken(root, first)) return false;
    takeOver(link, id);
    return true;
  });
}

/** Claim the range starting at `first` for container `id` (its own already, most often); one held by another is a MinicError. */
export function claimRange(root: string, first: number, id: string): void {
  if (!tryClaimRange(root, first, id)) {
    throw new MinicError(`the ids from ${first} were given to another container meanwhile`, undefined, "run it again: --userns=auto takes the next free range");
  }
}

/** Release every range container `id` holds. */
export function releaseRanges(root: string, id: string): void {
  let claims: string[];
  try {
    claims = readdirSync(rangesDir(root));
  } catch {
    return;
  }
  for (const claim of claims) {
    if (holderOf(root, Number(claim)) === id) unlinkSync(join(rangesDir(root), claim));
  }
}
