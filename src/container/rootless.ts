// minic run by an ordinary user: every container is rootless. It gets a user namespace whose root
// is that user and whose other ids are the user's subordinate ranges (/etc/subuid, /etc/subgid),
// written by newuidmap and newgidmap (Debian's uidmap, setuid root) while the child waits; without
// a range, the user alone is mapped (one id inside: files of any other owner show as nobody, and
// the workload cannot change to another user).
import { readFileSync } from "node:fs";
import { geteuid } from "../../native/libc.ts";
import { rootlessMappings, subordinateRange } from "../spec/id-maps.ts";
import type { IdMapping, Spec } from "../spec/types.ts";
import { deniesSetgroups } from "../plan/plan.ts";
import { cniNetworkOf, type RunOptions } from "../spec/run-options.ts";
import { MinicError } from "../errors.ts";

export interface RootlessUser {
  uid: number;
  gid: number;
  name: string;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** Whether the user has subordinate ranges (else only their own id is mapped). */
  subordinate: boolean;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

let cached: RootlessUser | null | undefined;

/** The caller as a rootless user; null when minic runs as root. */
export function rootlessUser(): RootlessUser | null {
  if (cached !== undefined) return cached;
  const uid = geteuid();
  if (uid === 0) return (cached = null);
  const gid = process.getegid?.() ?? uid;
  const name = readText("/etc/passwd").split("\n").map((line) => line.split(":")).find((fields) => fields[2] === String(uid))?.[0] ?? String(uid);
  const subuid = subordinateRange(readText("/etc/subuid"), name, uid);
  const subgid = subordinateRange(readText("/etc/subgid"), name, uid);
  cached = { uid, gid, name, uidMappings: rootlessMappings(uid, subuid), gidMappings: rootlessMappings(gid, subgid), subordinate: subuid !== null && subgid !== null };
  return cached;
}

/** What the plan needs to know of a rootless caller (see ContainerLayout and ExecTarget). */
export function rootlessLayout(spec: Pick<Spec, "linux">): { rootless: boolean; setgroupsDenied: boolean } {
  const rootless = rootlessUser() !== null;
  const { uidMappings, gidMappings } = spec.linux;
  const maps = uidMappings !== undefined && gidMappings !== undefined ? { uidMappings, gidMappings } : null;
  return { rootless, setgroupsDenied: maps !== null && deniesSetgroups(maps, rootless) };
}

/**
 * A rootless container's network: CNI's bridge takes root, so `bridge` (the default) is a
 * namespace of its own behind slirp4netns, as in podman and rootless Docker; a user network
 * (CNI too) is refused by name.
 */
export function rootlessNetwork(options: RunOptions): RunOptions {
  if (options.network === "bridge") return { ...options, network: "slirp4netns" };
  const name = cniNetworkOf(options.network);
  if (name !== null) throw new MinicError(`--network ${name}: user networks are minic's CNI bridges, which need root; a rootless container has bridge (through slirp4netns), none, host or container:NAME`);
  return options;
}
