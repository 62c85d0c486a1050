// User namespace maps from `run` flags, as podman spells them: --uidmap CONTAINER:HOST:COUNT
// (repeatable), --gidmap likewise, and a --uidmap alone serving for gids too.
import { MinicError } from "../errors.ts";
import type { IdMapping } from "./types.ts";

const MAX_ID = 4294967294;

export function parseIdMapFlag(flag: "uidmap" | "gidmap", value: string): IdMapping {
  const parts = value.split(":");
  const numbers = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  const [containerID = NaN, hostID = NaN, size = NaN] = numbers;
  if (parts.length !== 3 || numbers.some(Number.isNaN) || size < 1 || containerID > MAX_ID || hostID > MAX_ID || size > MAX_ID + 1) {
    throw new MinicError(`invalid --${flag} "${value}": expected CONTAINER_ID:HOST_ID:COUNT, e.g. 0:100000:65536`);
  }
  return { containerID, hostID, size };
}

/** The maps a container gets: none (the host's ids, as Docker's default), or both. */
export function idMapsFromFlags(uidMap: IdMapping[], gidMap: IdMapping[]): { uidMappings: IdMapping[]; gidMappings: IdMapping[] } | null {
  if (uidMap.length === 0 && gidMap.length === 0) return null;
  return { uidMappings: uidMap.length > 0 ? uidMap : gidMap, gidMappings: gidMap.length > 0 ? gidMap : uidMap };
}

/** The host id that `id` inside maps to, or null when unmapped. */
export function hostIdOf(mappings: IdMapping[], id: number): number | null {
  const mapping = mappings.find((m) => id >= m.containerID && id < m.containerID + m.size);
  return mapping === undefined ? null : mapping.hostID + (id - mapping.containerID);
}

/**
 * Every range /etc/subuid (or /etc/subgid) gives the user, by name or uid, in the file's order,
 * as newuidmap allows them all and podman maps them all.
 */
export function subordinateRanges(file: string, name: string, id: number): { start: number; count: number }[] {
  const ranges: { start: number; count: number }[] = [];
  for (const line of file.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if ((who === name || who === String(id)) && /^\d+$/.test(start ?? "") && /^\d+$/.test(count ?? "") && Number(count) > 0) ranges.push({ start: Number(start), count: Number(count) });
  }
  return ranges;
}

/** The first of them, or null: the pool `--userns=auto` takes ranges from. */
export function subordinateRange(file: string, name: string, id: number): { start: number; count: number } | null {
  return subordinateRanges(file, name, id)[0] ?? null;
}

/**
 * A rootless container's map, as podman makes it: its root is the user; its ids from 1 are the
 * user's subordinate ranges one after another, when they have any (else the user is the only id
 * there is).
 */
export function rootlessMappings(id: number, ranges: { start: number; count: number }[]): IdMapping[] {
  const maps: IdMapping[] = [{ containerID: 0, hostID: id, size: 1 }];
  let next = 1;
  for (const range of ranges) {
    maps.push({ containerID: next, hostID: range.start, size: range.count });
    next += range.count;
  }
  return maps;
}
