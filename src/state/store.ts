// Containers on disk: <root>/containers/<id>/{state.json,config.json,upper,work,merged}
// and <root>/names/<name> -> <id>, a symlink whose creation is the atomic claim on a name.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import type { OverlayLayout } from "../plan/plan.ts";
import type { Spec } from "../spec/types.ts";

export type ContainerStatus = "created" | "running" | "exited";

/** A process identity that survives pid reuse: the pid and its start time in clock ticks. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export interface ContainerRecord {
  id: string;
  name: string;
  command: string[];
  rootfs: string;
  created: string;
  status: ContainerStatus;
  /** The container's PID 1 as the host sees it, while it runs. */
  process: ProcessIdentity | null;
  /** The minic process that runs it; when this is gone, nobody will reap or clean it. */
  owner: ProcessIdentity | null;
  exitCode: number | null;
  finished: string | null;
  autoRemove: boolean;
  /** The cgroup directories minic made for it, until they are removed. */
  cgroup: ContainerCgroup | null;
}

export function stateRoot(): string {
  return process.env.MINIC_ROOT || "/var/lib/minic";
}

export function containersDir(root: string): string {
  return join(root, "containers");
}

export function containerDir(root: string, id: string): string {
  return join(containersDir(root), id);
}

export function overlayLayout(root: string, id: string): OverlayLayout {
  const dir = containerDir(root, id);
  return { upperdir: join(dir, "upper"), workdir: join(dir, "work"), merged: join(dir, "merged") };
}

/** Claim `name` for `id`; fails with a clear error when another container holds it. */
export function claimName(root: string, name: string, id: string): void {
  const namesDir = join(root, "names");
  mkdirSync(namesDir, { recursive: true, mode: 0o700 });
  try {
    symlinkSync(id, join(namesDir, name));
  } catch (error) {
    if (isErrno(error, "EEXIST")) {
      const holder = readNameLink(root, name);
      throw new MinicError(
        `the container name "${name}" is already in use by container ${holder?.slice(0, 12) ?? "(unknown)"}`,
        undefined,
        "remove that container (minic rm) or choose another --name",
      );
    }
    throw error;
  }
}

export function releaseName(root: string, name: string, id: string): void {
  if (readNameLink(root, name) === id) unlinkSync(join(root, "names", name));
}

function readNameLink(root: string, name: string): string | null {
  try {
    return readlinkSync(join(root, "names", name));
  } catch {
    return null;
  }
}

/**
 * Make the container's directories. `recordCreated` runs as soon as the directory exists, so
 * that a crash from then on leaves a record the next command can clean up.
 * The overlay needs upper and work on one file system.
 */
export function createContainerDirs(root: string, id: string, recordCreated: () => void): OverlayLayout {
  mkdirSync(containersDir(root), { recursive: true, mode: 0o700 });
  mkdirSync(containerDir(root, id), { mode: 0o700 });
  recordCreated();
  const layout = overlayLayout(root, id);
  for (const dir of [layout.upperdir, layout.workdir, layout.merged]) mkdirSync(dir, { mode: 0o755 });
  return layout;
}

export function writeSpec(root: string, id: string, spec: Spec): void {
  writeAtomically(join(containerDir(root, id), "config.json"), `${JSON.stringify(spec, null, 2)}\n`);
}

/** The spec a container was made with (config.json), checked again: exec builds on it. */
export function readSpec(root: string, id: string): unknown {
  return JSON.parse(readFileSync(join(containerDir(root, id), "config.json"), "utf8"));
}

export function writeRecord(root: string, record: ContainerRecord): void {
  writeAtomically(join(containerDir(root, record.id), "state.json"), `${JSON.stringify(record, null, 2)}\n`);
}

export function readRecord(root: string, id: string): ContainerRecord | null {
  try {
    return JSON.parse(readFileSync(join(containerDir(root, id), "state.json"), "utf8")) as ContainerRecord;
  } catch {
    return null;
  }
}

export function listRecords(root: string): ContainerRecord[] {
  let ids: string[];
  try {
    ids = readdirSync(containersDir(root));
  } catch {
    return [];
  }
  return ids.flatMap((id) => readRecord(root, id) ?? []);
}

/** Delete everything minic keeps for a container: its layer, its record, its name. */
export function removeContainer(root: string, id: string, name: string | null): void {
  rmSync(containerDir(root, id), { recursive: true, force: true, maxRetries: 3 });
  if (name !== null) releaseName(root, name, id);
}

/** Find a container by exact name, exact id, or unique id prefix, as Docker does. */
export function findContainer(root: string, ref: string): ContainerRecord {
  const records = listRecords(root);
  const byName = records.find((record) => record.name === ref);
  if (byName) return byName;
  const byId = records.filter((record) => record.id.startsWith(ref));
  if (ref.length > 0 && byId.length === 1 && byId[0]) return byId[0];
  if (byId.length > 1) throw new MinicError(`"${ref}" matches more than one container: give more of the id`);
  throw new MinicError(`no such container: ${ref}`);
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
