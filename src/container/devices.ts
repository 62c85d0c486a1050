// The host's device nodes behind --device (and, for --privileged, all of /dev): their type,
// numbers, mode and owner, as the container's own nodes will have them.
import { readdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import type { DeviceRequest } from "../spec/device-flags.ts";
import type { SpecDevice } from "../spec/types.ts";
import { fsReason } from "../state/store.ts";

/** /dev's parts that each container has its own of, never the host's. */
const PRIVATE_DEV = new Set(["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/console", "/dev/ptmx", "/dev/fd"]);

/** glibc's major() and minor(), in arithmetic that stays exact beyond 32 bits. */
function numbers(rdev: number): { major: number; minor: number } {
  const low = rdev % 2 ** 32;
  const high = Math.floor(rdev / 2 ** 32);
  return {
    major: ((low >>> 8) & 0xfff) | (high & ~0xfff) >>> 0,
    minor: (low & 0xff) | ((low >>> 12) & ~0xff) >>> 0,
  };
}

function deviceFrom(stats: Stats, path: string): SpecDevice | null {
  const type = stats.isCharacterDevice() ? "c" : stats.isBlockDevice() ? "b" : null;
  if (type === null) return null;
  return { path, type, ...numbers(stats.rdev), fileMode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid };
}

/** --device: the node HOST (symlinks followed, as Docker does) placed at CTR. */
export function hostDevice(request: DeviceRequest): { device: SpecDevice; access: string } {
  let stats: Stats;
  try {
    stats = statSync(request.host);
  } catch (error) {
    throw new MinicError(`--device ${request.host}: ${fsReason(error)}`);
  }
  const device = deviceFrom(stats, request.container);
  if (device === null) throw new MinicError(`--device ${request.host}: not a device node (a character or block device)`);
  return { device, access: request.access };
}

/** --privileged: every character and block device under the host's /dev, at the same paths. */
export function allHostDevices(dir = "/dev"): { device: SpecDevice; access: string }[] {
  const found: { device: SpecDevice; access: string }[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (PRIVATE_DEV.has(path) || entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      found.push(...allHostDevices(path));
      continue;
    }
    if (!entry.isCharacterDevice() && !entry.isBlockDevice()) continue;
    try {
      const device = deviceFrom(statSync(path), path);
      if (device !== null) found.push({ device, access: "rwm" });
    } catch {
      // gone while we looked
    }
  }
  return found;
}
