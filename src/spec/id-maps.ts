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

/** A user's subordinate range from /etc/subuid or /etc/subgid: the first line naming them (by name or id). */
export function subordinateRange(file: string, name: string, id: number): { start: number; count: number } | null {
  for (const line of file.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if ((who === name || who === String(id)) && /^\d+$/.test(start ?? "") && /^\d+$/.test(count ?? "") && Number(count) > 0) return { start: Number(start), count: Number(count) };
  }
  return null;
}

/**
 * A rootless container's map, as podman makes it: its root is the user; its ids from 1 are the
 * user's subordinate range, when they have one (else the user is the only id there is).
 */
export function rootlessMappings(id: number, range: { start: number; count: number } | null): IdMapping[] {
  return [{ containerID: 0, hostID: id, size: 1 }, ...(range === null ? [] : [{ containerID: 1, hostID: range.start, size: range.count }])];
}
