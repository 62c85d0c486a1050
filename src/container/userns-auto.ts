// --userns=auto (root's): a user namespace of 65536 ids that no other container of minic's has,
// as podman's does. The ids come from the ranges /etc/subuid and /etc/subgid give the user
// "minic" when they name one (as podman takes "containers"'), else from 2^30 up, a part of the
// id space no distribution gives its users; the range is claimed in the state store (userns/)
// when the container is made and freed when it is removed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { subordinateRange } from "../spec/id-maps.ts";
import type { IdMapping } from "../spec/types.ts";
import { rangeTaken, tryClaimRange } from "../state/id-ranges.ts";
import { readSpec } from "../state/store.ts";

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

/** Host id ranges [start, end) that containers' own maps (--uidmap, a bundle's) already use. */
function mappedRanges(root: string): { uids: [number, number][]; gids: [number, number][] } {
  const uids: [number, number][] = [];
  const gids: [number, number][] = [];
  let ids: string[] = [];
  try {
    ids = readdirSync(join(root, "containers"));
  } catch {
    // no containers yet
  }
  for (const id of ids) {
    let linux: { uidMappings?: IdMapping[]; gidMappings?: IdMapping[] } | undefined;
    try {
      linux = (readSpec(root, id) as { linux?: typeof linux }).linux;
    } catch {
      continue; // a container without a readable spec maps nothing minic knows of
    }
    for (const map of linux?.uidMappings ?? []) uids.push([map.hostID, map.hostID + map.size]);
    for (const map of linux?.gidMappings ?? []) gids.push([map.hostID, map.hostID + map.size]);
  }
  return { uids, gids };
}

const overlaps = (ranges: [number, number][], start: number): boolean => ranges.some(([from, to]) => from < start + BLOCK && start < to);

/**
 * The first free range of the pool, claimed for container `id` (unless `claim` is false, for
 * --dry-run): its maps and the uid that names its claim. Free means no claim of --userns=auto
 * holds it and no container's own maps (--uidmap) reach into it, as podman's auto does.
 */
export function chooseAutoRange(root: string, id: string, claim: boolean): { first: number; uidMappings: IdMapping[]; gidMappings: IdMapping[] } {
  const uids = pool("/etc/subuid");
  const gids = pool("/etc/subgid");
  const used = mappedRanges(root);
  const blocks = Math.min(Math.floor(uids.count / BLOCK), Math.floor(gids.count / BLOCK));
  for (let block = 0; block < blocks; block++) {
    const first = uids.start + block * BLOCK;
    const firstGid = gids.start + block * BLOCK;
    if (overlaps(used.uids, first) || overlaps(used.gids, firstGid)) continue;
    if (claim ? !tryClaimRange(root, first, id) : rangeTaken(root, first)) continue;
    return { first, uidMappings: [{ containerID: 0, hostID: first, size: BLOCK }], gidMappings: [{ containerID: 0, hostID: firstGid, size: BLOCK }] };
  }
  throw new MinicError(`--userns=auto: every range of ${BLOCK} ids in minic's pool is taken`, undefined, "remove containers, or give the user minic a larger range in /etc/subuid and /etc/subgid");
}
