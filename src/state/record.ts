// A container's record (state.json) and the one reader that decides whether a file on disk is
// a record at all. Reading never throws: a damaged record must still be listable and removable,
// so the reader says what is wrong in one line and lets the caller decide.
import type { CgroupDir, ContainerCgroup } from "../cgroups/types.ts";

export const SCHEMA_VERSION = 2;

/** OCI's statuses ("paused" comes with freeze support). */
export type ContainerStatus = "creating" | "created" | "running" | "stopped";

export const CONTAINER_STATUSES: readonly ContainerStatus[] = ["creating", "created", "running", "stopped"];

/** A process identity that survives pid reuse: the pid and its start time in clock ticks. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export interface ContainerRecord {
  schemaVersion: 2;
  id: string;
  name: string;
  command: string[];
  /** The root filesystem: the overlay's lower dir, or a bundle's rootfs used as is. */
  rootfs: string;
  /** The OCI bundle directory; null for `minic run`. */
  bundle: string | null;
  /** ISO time. */
  created: string;
  status: ContainerStatus;
  /** The container's init as the host sees it. */
  process: ProcessIdentity | null;
  /** The minic process that waits for it (run); null when detached or only created. */
  owner: ProcessIdentity | null;
  exitCode: number | null;
  /** ISO time its current or last run started (Docker's StartedAt); null: it never ran. */
  started: string | null;
  /** ISO time. */
  finished: string | null;
  autoRemove: boolean;
  /** The cgroup directories minic made for it, until they are removed. */
  cgroup: ContainerCgroup | null;
  /** false: made with runc's --no-new-keyring, so `exec` keeps the caller's keyring too. */
  sessionKeyring: boolean;
  /** How many times its restart policy has started it again. */
  restartCount: number;
  /** Stopped by hand (stop, kill): its restart policy leaves it stopped, as Docker's does. */
  manuallyStopped: boolean;
  /** Exited, and about to be started again by its restart policy (after Docker's delay). */
  restarting: boolean;
  /** Its last run ended with the OOM killer's kill in its cgroup (inspect's State.OOMKilled). */
  oomKilled: boolean;
  /** A container without a mount namespace mounts in its creator's, under its root: those
   *  mounts are detached when it is removed. null: it has a mount namespace. */
  hostMounts: HostMounts | null;
}

export interface HostMounts {
  /** The root, canonical: the container's mounts are the ones below it... */
  root: string;
  /** ...that were not there before it was made (mount ids from /proc/self/mountinfo). */
  before: number[];
}

export type RecordRead = { kind: "ok"; record: ContainerRecord } | { kind: "damaged"; id: string; reason: string };

/** minic's own ids are 64 hex digits; an engine names its containers itself (runc's rule). */
const ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]{0,1023}$/;
// Version 1 (before bundles) said "exited" where OCI says "stopped", and had no "creating".
const V1_STATUSES: Readonly<Record<string, ContainerStatus>> = { created: "created", running: "running", exited: "stopped" };

/** Thrown inside the reader only, to stop at the first problem; parseRecord turns it into a value. */
class Damage extends Error {}

type Json = Record<string, unknown>;

/** Read state.json's text for the container in directory `id`; version 1 records come back upgraded. */
export function parseRecord(id: string, text: string): RecordRead {
  try {
    return { kind: "ok", record: readRecord(id, text) };
  } catch (error) {
    const reason = error instanceof Damage ? error.message : `state.json cannot be read (${String(error)})`;
    return { kind: "damaged", id, reason };
  }
}

function readRecord(directoryId: string, text: string): ContainerRecord {
  // Records are padded with spaces to whole blocks (see atomic-file.ts); a file of only padding
  // is what an interrupted in-place write can leave.
  if (text.trim() === "") throw new Damage("state.json is empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^JSON Parse error: /, "") : String(error);
    throw new Damage(`state.json is not valid JSON (${message})`);
  }
  if (!isObject(parsed)) throw new Damage(`state.json holds ${describe(parsed)}, expected an object`);

  const version = readVersion(parsed);
  const v1 = version === 1;
  const id = field(parsed, "id", "", isString, "a string");
  if (!ID_PATTERN.test(id)) throw new Damage(`state.json: field "id" is not a container id`);
  if (id !== directoryId) throw new Damage(`state.json has id ${id.slice(0, 12)} but lies in directory ${directoryId.slice(0, 12)}`);
  const name = field(parsed, "name", "", isString, "a string");
  if (name === "") throw new Damage(`state.json: field "name" is empty`);

  return {
    schemaVersion: SCHEMA_VERSION,
    id,
    name,
    command: stringArray(parsed, "command", ""),
    rootfs: field(parsed, "rootfs", "", isString, "a string"),
    // Version 1 had only `minic run`, which has no bundle.
    bundle: v1 ? null : nullable(parsed, "bundle", "", isString, "a string"),
    created: date(parsed, "created", false),
    status: readStatus(parsed, v1),
    process: identity(parsed, "process"),
    owner: identity(parsed, "owner"),
    exitCode: nullable(parsed, "exitCode", "", isInteger, "an integer"),
    finished: date(parsed, "finished", true),
    // Came later: a record without it is of a container whose run started when it was made.
    started: Object.hasOwn(parsed, "started") ? date(parsed, "started", true) : null,
    autoRemove: field(parsed, "autoRemove", "", isBoolean, "a boolean"),
    // Records written before cgroup limits existed have no such field.
    cgroup: v1 && !Object.hasOwn(parsed, "cgroup") ? null : cgroup(parsed),
    // Both came after schema 2 itself: records without them are of containers with neither.
    sessionKeyring: Object.hasOwn(parsed, "sessionKeyring") ? field(parsed, "sessionKeyring", "", isBoolean, "a boolean") : true,
    hostMounts: Object.hasOwn(parsed, "hostMounts") ? hostMounts(parsed) : null,
    restartCount: Object.hasOwn(parsed, "restartCount") ? field(parsed, "restartCount", "", isInteger, "an integer") : 0,
    manuallyStopped: Object.hasOwn(parsed, "manuallyStopped") ? field(parsed, "manuallyStopped", "", isBoolean, "a boolean") : false,
    restarting: Object.hasOwn(parsed, "restarting") ? field(parsed, "restarting", "", isBoolean, "a boolean") : false,
    oomKilled: Object.hasOwn(parsed, "oomKilled") ? field(parsed, "oomKilled", "", isBoolean, "a boolean") : false,
  };
}

/** 1 or 2; version 1 records carry no schemaVersion at all. */
function readVersion(record: Json): 1 | 2 {
  if (!Object.hasOwn(record, "schemaVersion")) return 1;
  const version = field(record, "schemaVersion", "", isNumber, "a number");
  if (version === 1 || version === 2) return version;
  throw new Damage(`state.json has schema version ${version}; this minic reads version ${SCHEMA_VERSION}`);
}

function readStatus(record: Json, v1: boolean): ContainerStatus {
  const status = field(record, "status", "", isString, "a string");
  // hasOwn: "toString" is no status, whatever the object's prototype says.
  const known = v1 ? (Object.hasOwn(V1_STATUSES, status) ? V1_STATUSES[status] : undefined) : CONTAINER_STATUSES.find((each) => each === status);
  if (known !== undefined) return known;
  const expected = v1 ? Object.keys(V1_STATUSES) : CONTAINER_STATUSES;
  throw new Damage(`state.json: field "status" is ${quote(status)}, expected one of ${expected.join(", ")}`);
}

function identity(record: Json, key: string): ProcessIdentity | null {
  const value = nullable(record, key, "", isObject, "an object");
  if (value === null) return null;
  const pid = field(value, "pid", `${key}.`, isNumber, "a number");
  if (!Number.isInteger(pid) || pid <= 0) throw new Damage(`state.json: field "${key}.pid" is ${pid}, expected a process id`);
  const startTime = field(value, "startTime", `${key}.`, isString, "a string");
  if (!/^\d+$/.test(startTime)) throw new Damage(`state.json: field "${key}.startTime" is ${quote(startTime)}, expected clock ticks`);
  return { pid, startTime };
}

function cgroup(record: Json): ContainerCgroup | null {
  const value = nullable(record, "cgroup", "", isObject, "an object");
  if (value === null) return null;
  const version = field(value, "version", "cgroup.", isNumber, "a number");
  if (version !== 1 && version !== 2) throw new Damage(`state.json: field "cgroup.version" is ${version}, expected 1 or 2`);
  const dirs = field(value, "dirs", "cgroup.", isArray, "an array");
  return {
    version,
    dirs: dirs.map((dir, index): CgroupDir => {
      const at = `cgroup.dirs[${index}]`;
      if (!isObject(dir)) throw new Damage(`state.json: field "${at}" is ${describe(dir)}, expected an object`);
      return {
        path: field(dir, "path", `${at}.`, isString, "a string"),
        root: field(dir, "root", `${at}.`, isString, "a string"),
        view: field(dir, "view", `${at}.`, isString, "a string"),
        controllers: stringArray(dir, "controllers", `${at}.`),
      };
    }),
  };
}

function hostMounts(record: Json): HostMounts | null {
  const value = nullable(record, "hostMounts", "", isObject, "an object");
  if (value === null) return null;
  const root = field(value, "root", "hostMounts.", isString, "a string");
  if (!root.startsWith("/")) throw new Damage(`state.json: field "hostMounts.root" is ${quote(root)}, expected an absolute path`);
  const before = field(value, "before", "hostMounts.", isArray, "an array");
  if (!before.every(isInteger)) throw new Damage(`state.json: field "hostMounts.before" holds something other than mount ids`);
  return { root, before };
}

function date(record: Json, key: string, orNull: true): string | null;
function date(record: Json, key: string, orNull: false): string;
function date(record: Json, key: string, orNull: boolean): string | null {
  const value = orNull ? nullable(record, key, "", isString, "a string") : field(record, key, "", isString, "a string");
  if (value !== null && Number.isNaN(Date.parse(value))) throw new Damage(`state.json: field "${key}" is ${quote(value)}, expected a time`);
  return value;
}

function stringArray(record: Json, key: string, prefix: string): string[] {
  const items = field(record, key, prefix, isArray, "an array");
  return items.map((item, index) => {
    if (!isString(item)) throw new Damage(`state.json: field "${prefix}${key}[${index}]" is ${describe(item)}, expected a string`);
    return item;
  });
}

/** The field's value when `accept` holds; `prefix` names where the object sits in the record. */
function field<T>(record: Json, key: string, prefix: string, accept: (value: unknown) => value is T, expected: string): T {
  if (!Object.hasOwn(record, key)) throw new Damage(`state.json has no field "${prefix}${key}"`);
  const value = record[key];
  if (!accept(value)) throw new Damage(`state.json: field "${prefix}${key}" is ${describe(value)}, expected ${expected}`);
  return value;
}

function nullable<T>(record: Json, key: string, prefix: string, accept: (value: unknown) => value is T, expected: string): T | null {
  const orNull = (value: unknown): value is T | null => value === null || accept(value);
  return field(record, key, prefix, orNull, `${expected} or null`);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function isArray(value: unknown): value is unknown[] {
  return Array.isArray(value);
}
function isString(value: unknown): value is string {
  return typeof value === "string";
}
function isNumber(value: unknown): value is number {
  return typeof value === "number";
}
function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}
function isBoolean(value: unknown): value is boolean {
  return typeof value === "boolean";
}

/** A value from the file inside a one-line message: escaped, and short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return value === undefined ? "undefined" : `a ${typeof value}`;
}
