// Claims on ranges of host ids for `--userns=auto`: <root>/userns/<first id> -> <container id>, a
// symlink whose creation is the claim, as names/ are. A claim whose container no longer exists is
// free again; `rm` releases its container's.
import { mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, existsSync } from "node:fs";
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

/** Whether the range starting at `first` is held by a container that still exists. */
export function rangeTaken(root: string, first: number): boolean {
  const holder = holderOf(root, first);
  return holder !== null && existsSync(join(root, "containers", holder, RECORD_FILE));
}

/** Claim the range starting at `first` for container `id`; one held by another is a MinicError. */
export function claimRange(root: string, first: number, id: string): void {
  const dir = rangesDir(root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const link = join(dir, String(first));
  try {
    symlinkSync(id, link);
    return;
  } catch {
    // taken, or stale: settled under the lock
  }
  withLock(dir, () => {
    if (rangeTaken(root, first) && holderOf(root, first) !== id) {
      throw new MinicError(`the ids from ${first} were given to another container meanwhile`, undefined, "run it again: --userns=auto takes the next free range");
    }
    rmSync(link, { force: true });
    symlinkSync(id, link);
  });
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
