// --userns=auto (root's): a user namespace of 65536 ids that no other container of minic's has,
// as podman's does. The ids come from the ranges /etc/subuid and /etc/subgid give the user
// "minic" when they name one (as podman takes "containers"'), else from 2^30 up, a part of the
// id space no distribution gives its users; the range is claimed in the state store (userns/)
// when the container is made and freed when it is removed.
import { readFileSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { subordinateRange } from "../spec/id-maps.ts";
import type { IdMapping } from "../spec/types.ts";
import { rangeTaken } from "../state/id-ranges.ts";

const BLOCK = 65536;
const DEFAULT_POOL = { start: 2 ** 30, count: BLOCK * 16384 };

/** The annotation that records the range's first host uid (its claim in userns/). */
export const USERNS_AUTO_ANNOTATION = "org.minic.userns-auto";

function pool(file: string): { start: number; count: number } {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // no such file: the default pool
  }
  return subordinateRange(text, "minic", -1) ?? DEFAULT_POOL;
}

/** The first free range of the pool: its maps and the uid that names its claim. */
export function chooseAutoRange(root: string): { first: number; uidMappings: IdMapping[]; gidMappings: IdMapping[] } {
  const uids = pool("/etc/subuid");
  const gids = pool("/etc/subgid");
  const blocks = Math.min(Math.floor(uids.count / BLOCK), Math.floor(gids.count / BLOCK));
  for (let block = 0; block < blocks; block++) {
    const first = uids.start + block * BLOCK;
    if (rangeTaken(root, first)) continue;
    return { first, uidMappings: [{ containerID: 0, hostID: first, size: BLOCK }], gidMappings: [{ containerID: 0, hostID: gids.start + block * BLOCK, size: BLOCK }] };
  }
  throw new MinicError(`--userns=auto: every range of ${BLOCK} ids in minic's pool is taken`, undefined, "remove containers, or give the user minic a larger range in /etc/subuid and /etc/subgid");
}
