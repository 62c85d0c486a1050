// Containers on disk: <root>/containers/<id>/{state.json, state.json.next, config.json, upper,
// work, merged} and <root>/names/<name> -> <id>, a symlink whose creation is the claim on a name.
// A container's directory appears whole: it is made as containers/.new-<id> with its record and
// renamed into place, so a directory without a record is one a crash or a disk damaged.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { geteuid } from "../../native/libc.ts";
import { log } from "../log.ts";
import type { OverlayLayout } from "../plan/plan.ts";
import type { Spec } from "../spec/types.ts";
import { createRecordFiles, RECORD_FILE, writeRecordFile } from "./atomic-file.ts";
import { lockPath, withLock, type Lock } from "./lock.ts";
import { releaseRanges } from "./id-ranges.ts";
import { parseRecord, SCHEMA_VERSION, type ContainerRecord, type RecordRead } from "./record.ts";

export type { ContainerRecord, ContainerStatus, ProcessIdentity, RecordRead } from "./record.ts";

/**
 * Where minic keeps its containers: MINIC_ROOT if set; as root, /var/lib/minic; for an ordinary
 * user (rootless), their own data directory's minic ($XDG_DATA_HOME, else ~/.local/share), as
 * podman keeps a rootless user's in ~/.local/share/containers. Nothing under /var/lib or /run.
 */
export function stateRoot(): string {
  if (process.env.MINIC_ROOT) return process.env.MINIC_ROOT;
  return geteuid() === 0 ? "/var/lib/minic" : join(userDataHome(), "minic");
}

function userDataHome(): string {
  if (process.env.XDG_DATA_HOME) return process.env.XDG_DATA_HOME;
  return join(process.env.HOME || homeInPasswd(geteuid()), ".local", "share");
}

/** A user's home from /etc/passwd, for a caller whose environment has no HOME (setpriv, sudo -u). */
function homeInPasswd(uid: number): string {
  let text = "";
  try {
    text = readFileSync("/etc/passwd", "utf8");
  } catch {
    // no passwd file: no home to find
  }
  const home = text.split("\n").map((line) => line.split(":")).find((fields) => fields[2] === String(uid))?.[5];
  if (home === undefined || home === "") throw new MinicError(`user ${uid} has no home directory for minic's state`, undefined, "set MINIC_ROOT or HOME");
  return home;
}

export function containersDir(root: string): string {
  return join(root, "containers");
}

export function containerDir(root: string, id: string): string {
  return join(containersDir(root), id);
}

/**
 * The bundle `minic run -d` hands conmon for a container: its config.json, conmon's log, exit
 * file and attach socket. It lives as long as the container and goes with it.
 */
export function detachedBundleDir(root: string, id: string): string {
  return join(root, "bundles", id);
}

export function overlayLayout(root: string, id: string): OverlayLayout {
  const dir = containerDir(root, id);
  return { upperdir: join(dir, "upper"), workdir: join(dir, "work"), merged: join(dir, "merged") };
}

/** The plain cause of a file-system error: "read-only file system", not "EROFS: ..., mkdir '/x'". */
export function fsReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (/^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? message).toLowerCase();
}

/** One line naming the state directory and the real cause. */
export function stateError(action: string, path: string, error: unknown): MinicError {
  if (error instanceof MinicError) return error;
  return new MinicError(`cannot ${action} ${path}: ${fsReason(error)}`, undefined, "minic keeps its state in MINIC_ROOT (default /var/lib/minic, or ~/.local/share/minic for an ordinary user)");
}

/**
 * Make a container's directory with its first record, upper, work and merged, all or nothing:
 * staged under a hidden name and renamed into place. `upperOwner`: the host ids of a
 * user-namespaced container's root, who must own its writable layer's top directory (the
 * overlay's root takes that directory's owner).
 */
export function createContainerDirs(root: string, record: ContainerRecord, upperOwner: { uid: number; gid: number } | null = null): void {
  const dirs = containersDir(root);
  try {
    mkdirSync(dirs, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw stateError("create the state directory", dirs, error);
  }
  const staging = join(dirs, `.new-${record.id}`);
  try {
    mkdirSync(staging, { mode: 0o700 });
    createRecordFiles(staging, recordText(record));
    for (const sub of ["upper", "work", "merged"]) mkdirSync(join(staging, sub), { mode: 0o755 });
    if (upperOwner !== null) chownSync(join(staging, "upper"), upperOwner.uid, upperOwner.gid);
    renameSync(staging, containerDir(root, record.id));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw stateError("create the container's directory in", dirs, error);
  }
}

function recordText(record: ContainerRecord): string {
  return `${JSON.stringify({ ...record, schemaVersion: SCHEMA_VERSION }, null, 2)}\n`;
}

/**
 * Replace a container's record. A full disk does not stop it (see atomic-file.ts); minic says so
 * when only the last resort worked. A MinicError when the container's directory is gone.
 */
export function writeRecord(root: string, record: ContainerRecord): void {
  const dir = containerDir(root, record.id);
  if (!existsSync(dir)) throw new MinicError(`container ${record.name} was removed while minic was using it`);
  const method = writeRecordFile(dir, recordText(record));
  if (method === "in-place") log.warn(`the disk holding ${root} is full: the record of ${record.name} was overwritten in place`);
}

/** Files the container's /etc gets bound from its directory (resolv.conf, hosts, hostname). */
export function writeEtcFiles(root: string, id: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(containerDir(root, id), name);
    try {
      writeFileSync(path, content, { mode: 0o644 });
    } catch (error) {
      throw stateError("write", path, error);
    }
  }
}

export function writeSpec(root: string, id: string, spec: Spec): void {
  const path = join(containerDir(root, id), "config.json");
  try {
    writeFileSync(path, `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw stateError("write", path, error);
  }
}

/** The spec a container was made with (config.json), to be checked again by its reader. */
export function readSpec(root: string, id: string): unknown {
  const path = join(containerDir(root, id), "config.json");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new MinicError(`the spec of container ${id.slice(0, 12)} cannot be read (${path}): ${fsReason(error)}`);
  }
}

/** A container's record, or why it cannot be used; null when there is no such container. */
export function readRecord(root: string, id: string): RecordRead | null {
  let text: string;
  try {
    text = readFileSync(join(containerDir(root, id), RECORD_FILE), "utf8");
  } catch (error) {
    if (!existsSync(containerDir(root, id))) return null;
    return { kind: "damaged", id, reason: isErrno(error, "ENOENT") ? "the directory has no state.json" : `state.json cannot be read: ${fsReason(error)}` };
  }
  return parseRecord(id, text);
}

/** Every container, readable or not; nothing here deletes or repairs. */
export function listRecords(root: string): RecordRead[] {
  let ids: string[];
  try {
    ids = readdirSync(containersDir(root));
  } catch {
    return [];
  }
  return ids.filter((id) => !id.startsWith(".")).flatMap((id) => readRecord(root, id) ?? []);
}

/** Find a container by exact name, exact id or unique id prefix, as Docker does; damaged ones too. */
export function findEntry(root: string, ref: string): RecordRead {
  if (ref === "") throw new MinicError("the container name or id is empty");
  const entries = listRecords(root);
  const byName = entries.find((entry) => entry.kind === "ok" && entry.record.name === ref) ?? namedEntry(root, ref);
  if (byName) return byName;
  const byId = ref.length > 0 ? entries.filter((entry) => entryId(entry).startsWith(ref)) : [];
  if (byId.length > 1) throw new MinicError(`"${ref}" matches more than one container: give more of the id`);
  const [only] = byId;
  if (only === undefined) throw new MinicError(`no such container: ${ref}`);
  return only;
}

/** A damaged record has no readable name: its names/ link still leads to it. */
function namedEntry(root: string, name: string): RecordRead | null {
  const id = readNameLink(root, name);
  if (id === null) return null;
  const entry = readRecord(root, id);
  return entry?.kind === "damaged" ? entry : null;
}

export function entryId(entry: RecordRead): string {
  return entry.kind === "ok" ? entry.record.id : entry.id;
}

/** A usable container; a damaged one is refused with its reason and the way to remove it. */
export function findContainer(root: string, ref: string): ContainerRecord {
  const entry = findEntry(root, ref);
  if (entry.kind === "ok") return entry.record;
  throw new MinicError(`container ${ref} cannot be used: ${entry.reason}`, undefined, "remove it with minic rm -f");
}

/** The lock every command that changes another process's container takes (rm, start). */
export function lockContainer(root: string, id: string): Lock {
  return lockPath(containerDir(root, id), { what: `container ${id.slice(0, 12)}` });
}

/** Claim `name` for `id`; a name whose container no longer exists (or has no record) is free. */
export function claimName(root: string, name: string, id: string): void {
  const namesDir = join(root, "names");
  try {
    mkdirSync(namesDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw stateError("create", namesDir, error);
  }
  const link = join(namesDir, name);
  try {
    symlinkSync(id, link);
    return;
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw stateError("claim the name in", namesDir, error);
  }
  // Taken over under the names lock, so two claimants of a stale name cannot both win.
  withLock(namesDir, () => {
    const holder = readNameLink(root, name);
    if (holder !== null && existsSync(join(containerDir(root, holder), RECORD_FILE))) {
      throw new MinicError(`the container name "${name}" is already in use by container ${holder.slice(0, 12)}`, undefined, "remove that container (minic rm) or choose another --name");
    }
    rmSync(link, { force: true });
    symlinkSync(id, link);
  });
}

export function releaseName(root: string, name: string, id: string): void {
  if (readNameLink(root, name) === id) unlinkSync(join(root, "names", name));
}

/** Every name that leads to `id` (a damaged record's name is only known this way). */
export function namesOf(root: string, id: string): string[] {
  try {
    return readdirSync(join(root, "names")).filter((name) => readNameLink(root, name) === id);
  } catch {
    return [];
  }
}

function readNameLink(root: string, name: string): string | null {
  try {
    return readlinkSync(join(root, "names", name));
  } catch {
    return null;
  }
}

/** Delete everything minic keeps for a container: its layer, its record, its names. */
export function removeContainer(root: string, id: string, name: string | null): void {
  for (const dir of [containerDir(root, id), detachedBundleDir(root, id)]) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      throw stateError("remove", dir, error);
    }
  }
  for (const held of name === null ? [] : [name, ...namesOf(root, id).filter((other) => other !== name)]) releaseName(root, held, id);
  releaseRanges(root, id);
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
