// -v, --tmpfs and --mount: parsed into mount requests and checked here, without touching the
// system. Where the mounts go and how they are made safe is the plan's business (plan.ts).
import { posix } from "node:path";
import { MinicError } from "../errors.ts";

export type MountRequest =
  | {
      type: "bind";
      source: string;
      destination: string;
      readonly: boolean;
      /** -v creates a missing source directory, as Docker does; --mount refuses it. */
      createSource: boolean;
    }
  | { type: "tmpfs"; destination: string; options: string[] };

/** The container's API filesystems: minic mounts these itself, after any user mount. */
export const API_FILESYSTEMS = ["/proc", "/sys", "/dev"];

export const TMPFS_DEFAULT_OPTIONS = ["nosuid", "nodev", "mode=1777"];

/** Options a tmpfs accepts: mount(2) flags, then the filesystem's own key=value settings. */
const TMPFS_FLAGS = new Set([
  "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async", "dirsync",
  "noatime", "atime", "nodiratime", "diratime", "relatime", "norelatime", "strictatime", "nostrictatime",
]);
const TMPFS_SETTINGS: Record<string, RegExp> = {
  size: /^\d+[kmgKMG%]?$/,
  nr_blocks: /^\d+[kmgKMG]?$/,
  nr_inodes: /^\d+[kmgKMG]?$/,
  mode: /^[0-7]{3,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  huge: /^(never|always|within_size|advise)$/,
};

/** `-v HOST:CTR[:OPTS]` */
export function parseVolumeFlag(value: string): MountRequest {
  const parts = value.split(":");
  if (parts.length < 2 || parts.length > 3) {
    throw new MinicError(`invalid volume "${value}": expected HOST:CONTAINER[:OPTIONS]`);
  }
  const [source = "", destination = "", options] = parts;
  if (source === "" || destination === "" || options === "") {
    throw new MinicError(`invalid volume "${value}": empty part`);
  }
  let readonly = false;
  if (options !== undefined) {
    const seen = new Set<string>();
    for (const option of options.split(",")) {
      if (option !== "ro" && option !== "rw") {
        throw new MinicError(`invalid volume "${value}": unknown option "${option}" (ro or rw)`);
      }
      seen.add(option);
    }
    if (seen.has("ro") && seen.has("rw")) throw new MinicError(`invalid volume "${value}": both ro and rw`);
    readonly = seen.has("ro");
  }
  return {
    type: "bind",
    source: checkSource(source, `volume "${value}"`),
    destination: checkDestination(destination, `volume "${value}"`),
    readonly,
    createSource: true,
  };
}

/** `--tmpfs PATH[:OPTS]` */
export function parseTmpfsFlag(value: string): MountRequest {
  const colon = value.indexOf(":");
  const path = colon < 0 ? value : value.slice(0, colon);
  const options = colon < 0 ? [] : value.slice(colon + 1).split(",");
  if (path === "" || options.includes("")) throw new MinicError(`invalid --tmpfs "${value}": empty part`);
  return {
    type: "tmpfs",
    destination: checkDestination(path, `--tmpfs "${value}"`),
    options: tmpfsOptions(options, `--tmpfs "${value}"`),
  };
}

/** `--mount type=bind|tmpfs,source=...,target=...[,readonly][,tmpfs-size=...][,tmpfs-mode=...]` */
export function parseMountFlag(value: string): MountRequest {
  const what = `--mount "${value}"`;
  const fields = new Map<string, string | null>();
  for (const field of value.split(",")) {
    const equals = field.indexOf("=");
    const key = (equals < 0 ? field : field.slice(0, equals)).trim();
    if (key === "") throw new MinicError(`invalid ${what}: empty field`);
    const canonical = MOUNT_KEY_ALIASES[key] ?? key;
    if (fields.has(canonical)) throw new MinicError(`invalid ${what}: "${key}" given twice`);
    fields.set(canonical, equals < 0 ? null : field.slice(equals + 1));
  }
  for (const key of fields.keys()) {
    if (!MOUNT_KEYS.has(key)) throw new MinicError(`invalid ${what}: unknown field "${key}"`);
  }
  const type = fields.get("type");
  const target = fields.get("target");
  if (target === undefined || target === null || target === "") throw new MinicError(`invalid ${what}: target is required`);
  const readonly = booleanField(fields.get("readonly"), what);
  if (type === "bind") {
    const source = fields.get("source");
    if (source === undefined || source === null || source === "") throw new MinicError(`invalid ${what}: source is required for type=bind`);
    for (const key of ["tmpfs-size", "tmpfs-mode"]) {
      if (fields.has(key)) throw new MinicError(`invalid ${what}: ${key} applies to type=tmpfs only`);
    }
    return {
      type: "bind",
      source: checkSource(source, what),
      destination: checkDestination(target, what),
      readonly,
      createSource: false,
    };
  }
  if (type === "tmpfs") {
    if (fields.has("source")) throw new MinicError(`invalid ${what}: type=tmpfs takes no source`);
    const options: string[] = [];
    const size = fields.get("tmpfs-size");
    const mode = fields.get("tmpfs-mode");
    if (size !== undefined) options.push(`size=${size ?? ""}`);
    if (mode !== undefined) options.push(`mode=${mode ?? ""}`);
    if (readonly) options.push("ro");
    return { type: "tmpfs", destination: checkDestination(target, what), options: tmpfsOptions(options, what) };
  }
  if (type === undefined || type === null) throw new MinicError(`invalid ${what}: type is required (bind or tmpfs)`);
  throw new MinicError(`invalid ${what}: type=${type} is not supported (bind or tmpfs)`);
}

const MOUNT_KEYS = new Set(["type", "source", "target", "readonly", "tmpfs-size", "tmpfs-mode"]);
const MOUNT_KEY_ALIASES: Record<string, string> = {
  src: "source",
  destination: "target",
  dst: "target",
  ro: "readonly",
};

function booleanField(value: string | null | undefined, what: string): boolean {
  if (value === undefined) return false;
  if (value === null || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new MinicError(`invalid ${what}: readonly takes true or false, not "${value}"`);
}

function checkSource(source: string, what: string): string {
  if (!source.startsWith("/")) {
    throw new MinicError(`invalid ${what}: the host path "${source}" must be absolute`);
  }
  if (source.includes("\0")) throw new MinicError(`invalid ${what}: NUL byte in the host path`);
  return posix.normalize(source);
}

/** An absolute, cleaned path that is not `/` and not inside an API filesystem. */
function checkDestination(destination: string, what: string): string {
  if (!destination.startsWith("/")) {
    throw new MinicError(`invalid ${what}: the container path "${destination}" must be absolute`);
  }
  if (destination.includes("\0")) throw new MinicError(`invalid ${what}: NUL byte in the container path`);
  const clean = posix.normalize(destination).replace(/(.)\/+$/, "$1");
  if (clean === "/") throw new MinicError(`invalid ${what}: cannot mount over the container's root`);
  const api = API_FILESYSTEMS.find((dir) => clean === dir || clean.startsWith(`${dir}/`));
  if (api !== undefined) {
    throw new MinicError(`invalid ${what}: ${clean} is inside ${api}, which minic mounts itself`);
  }
  return clean;
}

function tmpfsOptions(options: string[], what: string): string[] {
  const result = [...TMPFS_DEFAULT_OPTIONS];
  for (const option of options) {
    const equals = option.indexOf("=");
    if (equals < 0) {
      if (!TMPFS_FLAGS.has(option)) throw new MinicError(`invalid ${what}: unknown tmpfs option "${option}"`);
      result.push(option);
      continue;
    }
    const key = option.slice(0, equals);
    const setting = option.slice(equals + 1);
    const pattern = TMPFS_SETTINGS[key];
    if (pattern === undefined) throw new MinicError(`invalid ${what}: unknown tmpfs option "${key}"`);
    if (!pattern.test(setting)) throw new MinicError(`invalid ${what}: bad value for ${key}: "${setting}"`);
    const previous = result.findIndex((existing) => existing.startsWith(`${key}=`));
    if (previous >= 0) result.splice(previous, 1);
    result.push(option);
  }
  return result;
}

/** Docker refuses two mounts on one destination; so do we. */
export function checkDistinctDestinations(requests: MountRequest[]): void {
  const seen = new Set<string>();
  for (const request of requests) {
    if (seen.has(request.destination)) throw new MinicError(`duplicate mount point: ${request.destination}`);
    seen.add(request.destination);
  }
}
