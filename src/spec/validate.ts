// One validator for every front end: a spec built from `run` flags and a config.json read from a
// bundle pass the same checks before any plan is made. A field minic does not honour is refused
// with one line naming it, never silently ignored.
import { MinicError } from "../errors.ts";
import { CAPABILITIES, RLIMITS } from "../plan/linux.ts";
import { SECCOMP_ACTIONS, SECCOMP_ARCHITECTURES, SECCOMP_COMPARISONS } from "../seccomp/names.ts";
import { unsupportedMountOption } from "./mount-options.ts";
import type { Spec } from "./types.ts";

type Json = unknown;

const NAMESPACE_TYPES = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup"];
const PROPAGATIONS = ["private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"];
const MAX_ID = 4294967294;

/** The fields minic honours, by object path; anything else is refused. */
const KNOWN: Record<string, string[]> = {
  "": ["ociVersion", "process", "root", "hostname", "domainname", "mounts", "linux", "annotations", "hooks"],
  "linux.personality": ["domain", "flags"],
  hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
  process: ["terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities", "rlimits", "noNewPrivileges", "oomScoreAdj"],
  "process.consoleSize": ["height", "width"],
  "process.user": ["uid", "gid", "umask", "additionalGids"],
  "process.capabilities": ["bounding", "effective", "permitted", "inheritable", "ambient"],
  root: ["path", "readonly"],
  linux: ["namespaces", "uidMappings", "gidMappings", "devices", "maskedPaths", "readonlyPaths", "rootfsPropagation", "resources", "cgroupsPath", "sysctl", "seccomp", "personality"],
  "linux.seccomp": ["defaultAction", "defaultErrnoRet", "architectures", "syscalls"],
  "linux.resources": ["memory", "cpu", "pids", "devices", "unified", "blockIO", "hugepageLimits", "network"],
  "linux.resources.blockIO": ["weight", "leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"],
  "linux.resources.network": ["classID", "priorities"],
  "linux.resources.memory": ["limit", "swap", "reservation", "kernel", "kernelTCP", "swappiness", "disableOOMKiller"],
  "linux.resources.cpu": ["shares", "quota", "period", "cpus", "mems", "realtimePeriod", "realtimeRuntime"],
  "linux.resources.pids": ["limit"],
};

/** The kernel takes at most this many lines in a uid_map or gid_map. */
const MAX_ID_MAPPINGS = 340;

/**
 * A new user namespace needs both maps (the parent writes them between clone and the first op);
 * a joined one brings its own. The namespaces a joined user namespace would own must be made
 * after joining it, which unshare can do for every kind but PID (that takes another fork).
 */
function idMappings(linux: Record<string, Json>, namespaces: Record<string, Json>[]): void {
  const user = namespaces.find((ns) => ns.type === "user");
  for (const field of ["uidMappings", "gidMappings"]) {
    const value = linux[field];
    if (value === undefined) {
      if (user !== undefined && user.path === undefined) fail(`linux.${field}`, "is required with a new user namespace");
      continue;
    }
    if (user === undefined) fail(`linux.${field}`, "needs a user namespace in linux.namespaces");
    if (user.path !== undefined) fail(`linux.${field}`, "cannot be set when the user namespace is joined by path");
    if (!Array.isArray(value) || value.length === 0) fail(`linux.${field}`, "must be a non-empty array");
    if (value.length > MAX_ID_MAPPINGS) fail(`linux.${field}`, `has more than ${MAX_ID_MAPPINGS} lines`);
    const ranges = value.map((item, i) => {
      const mapping = object(item, `linux.${field}[${i}]`);
      for (const key of Object.keys(mapping)) {
        if (!["containerID", "hostID", "size"].includes(key)) fail(`linux.${field}[${i}].${key}`, "is not supported by minic");
      }
      const containerID = integer(mapping.containerID, `linux.${field}[${i}].containerID`, 0, MAX_ID);
      const hostID = integer(mapping.hostID, `linux.${field}[${i}].hostID`, 0, MAX_ID);
      const size = integer(mapping.size, `linux.${field}[${i}].size`, 1, MAX_ID + 1);
      if (containerID + size > MAX_ID + 1 || hostID + size > MAX_ID + 1) fail(`linux.${field}[${i}]`, "runs past the last id (4294967294)");
      return { containerID, hostID, size };
    });
    // Setup runs as the namespace's root (what it creates must be the container's own).
    if (user?.path === undefined && !ranges.some((r) => r.containerID === 0)) fail(`linux.${field}`, "must map container id 0");
    for (const side of ["containerID", "hostID"] as const) {
      const sorted = [...ranges].sort((a, b) => a[side] - b[side]);
      for (let i = 1; i < sorted.length; i++) {
        const before = sorted[i - 1];
        const after = sorted[i];
        if (before !== undefined && after !== undefined && before[side] + before.size > after[side]) {
          fail(`linux.${field}`, `has overlapping ${side === "hostID" ? "host" : "container"} ranges at ${after[side]}`);
        }
      }
    }
  }
  if (user?.path !== undefined && namespaces.some((ns) => ns.type === "pid" && ns.path === undefined)) {
    fail("linux.namespaces", "cannot make a new PID namespace inside a user namespace joined by path");
  }
}

function seccompAction(value: Json, path: string): void {
  if (typeof value !== "string" || !Object.hasOwn(SECCOMP_ACTIONS, value)) fail(path, `names an unknown action ${JSON.stringify(value)}`);
}

function seccomp(filter: Record<string, Json>): void {
  seccompAction(filter.defaultAction, "linux.seccomp.defaultAction");
  optional(filter.defaultErrnoRet, (v) => integer(v, "linux.seccomp.defaultErrnoRet", 0, 4095));
  strings(filter.architectures ?? [], "linux.seccomp.architectures").forEach((name, i) => {
    if (!Object.hasOwn(SECCOMP_ARCHITECTURES, name)) fail(`linux.seccomp.architectures[${i}]`, `names an unknown architecture "${name}"`);
  });
  const rules = filter.syscalls ?? [];
  if (!Array.isArray(rules)) fail("linux.seccomp.syscalls", "must be an array");
  rules.forEach((item, i) => {
    const at = `linux.seccomp.syscalls[${i}]`;
    const rule = object(item, at);
    for (const key of Object.keys(rule)) {
      if (!["names", "action", "errnoRet", "args"].includes(key)) fail(`${at}.${key}`, "is not supported by minic");
    }
    if (strings(rule.names, `${at}.names`).length === 0) fail(`${at}.names`, "must name at least one system call");
    seccompAction(rule.action, `${at}.action`);
    optional(rule.errnoRet, (v) => integer(v, `${at}.errnoRet`, 0, 4095));
    optional(rule.args, (v) => {
      if (!Array.isArray(v)) fail(`${at}.args`, "must be an array");
      v.forEach((argItem, j) => {
        const arg = object(argItem, `${at}.args[${j}]`);
        for (const key of Object.keys(arg)) {
          if (!["index", "value", "valueTwo", "op"].includes(key)) fail(`${at}.args[${j}].${key}`, "is not supported by minic");
        }
        integer(arg.index, `${at}.args[${j}].index`, 0, 5);
        integer(arg.value, `${at}.args[${j}].value`, 0, Number.MAX_SAFE_INTEGER);
        optional(arg.valueTwo, (n) => integer(n, `${at}.args[${j}].valueTwo`, 0, Number.MAX_SAFE_INTEGER));
        if (typeof arg.op !== "string" || !Object.hasOwn(SECCOMP_COMPARISONS, arg.op)) fail(`${at}.args[${j}].op`, `names an unknown comparison ${JSON.stringify(arg.op)}`);
      });
    });
  });
}

/**
 * In a user namespace of the spec's own maps, the process's uid and gid must be among them: the
 * kernel would refuse the switch with a bare EINVAL. (Supplementary groups are left to the
 * executor: without setgroups, as with a single mapping, it keeps them.)
 */
function userMapped(user: Record<string, Json>, linux: Record<string, Json>): void {
  for (const [id, field] of [["uid", "uidMappings"], ["gid", "gidMappings"]] as const) {
    const maps = linux[field];
    if (!Array.isArray(maps)) continue;
    const value = user[id] as number;
    const ranges = maps.map((item) => item as { containerID: number; size: number });
    if (ranges.some((range) => value >= range.containerID && value < range.containerID + range.size)) continue;
    const mapped = ranges.map((range) => (range.size === 1 ? `${range.containerID}` : `${range.containerID}-${range.containerID + range.size - 1}`)).join(", ");
    fail(`process.user.${id}`, `${value} is not mapped in the container's user namespace (linux.${field} maps ${mapped})`);
  }
}

function fail(path: string, problem: string): never {
  throw new MinicError(`invalid spec: ${path} ${problem}`);
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: Json, path: string): Record<string, Json> {
  if (!isObject(value)) fail(path || "the spec", "must be an object");
  for (const key of Object.keys(value)) {
    const known = KNOWN[path];
    if (known !== undefined && !known.includes(key)) {
      fail(path === "" ? key : `${path}.${key}`, "is not supported by minic");
    }
  }
  return value;
}

function string(value: Json, path: string): string {
  if (typeof value !== "string") fail(path, "must be a string");
  if (value.includes("\0")) fail(path, "contains a NUL byte");
  return value;
}

function absolute(value: Json, path: string): string {
  const text = string(value, path);
  if (!text.startsWith("/")) fail(path, `must be an absolute path, not "${text}"`);
  return text;
}

/** An array of strings. The element's path is spelled out only for an error: this runs cold on
 *  every `minic run`, over every env entry, capability and masked path. */
function strings(value: Json, path: string): string[] {
  if (!Array.isArray(value)) fail(path, "must be an array of strings");
  for (let i = 0; i < value.length; i++) {
    const item: Json = value[i];
    if (typeof item !== "string" || item.includes("\0")) string(item, `${path}[${i}]`);
  }
  return value as string[];
}

function integer(value: Json, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function boolean(value: Json, path: string): boolean {
  if (typeof value !== "boolean") fail(path, "must be true or false");
  return value;
}

function optional<T>(value: Json, check: (value: Json) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

function capabilityList(value: Json, path: string): void {
  const names = strings(value, path);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] ?? "";
    if (!(name in CAPABILITIES)) fail(`${path}[${i}]`, `names an unknown capability "${name}"`);
  }
}

/** Checks `spec` and returns it typed; a MinicError naming the first field that is wrong. */
export function validateSpec(input: Json): Spec {
  const spec = object(input, "");
  string(spec.ociVersion, "ociVersion");
  const processValue = object(spec.process, "process");
  optional(processValue.terminal, (v) => boolean(v, "process.terminal"));
  optional(processValue.consoleSize, (v) => {
    const size = object(v, "process.consoleSize");
    integer(size.height, "process.consoleSize.height", 0, 65535);
    integer(size.width, "process.consoleSize.width", 0, 65535);
  });
  const user = object(processValue.user, "process.user");
  integer(user.uid, "process.user.uid", 0, MAX_ID);
  integer(user.gid, "process.user.gid", 0, MAX_ID);
  optional(user.umask, (v) => integer(v, "process.user.umask", 0, 0o777));
  optional(user.additionalGids, (v) => {
    if (!Array.isArray(v)) fail("process.user.additionalGids", "must be an array of numbers");
    v.forEach((gid, i) => integer(gid, `process.user.additionalGids[${i}]`, 0, MAX_ID));
    if (v.length > 65536) fail("process.user.additionalGids", "has more than 65536 groups");
  });
  const args = strings(processValue.args, "process.args");
  if (args.length === 0 || args[0] === "") fail("process.args", "must name a command");
  const env = strings(processValue.env, "process.env");
  for (let i = 0; i < env.length; i++) {
    const entry = env[i] ?? "";
    if (entry.indexOf("=") <= 0) fail(`process.env[${i}]`, `must be KEY=VALUE, not "${entry}"`);
  }
  absolute(processValue.cwd, "process.cwd");
  const capabilities = object(processValue.capabilities, "process.capabilities");
  for (const set of KNOWN["process.capabilities"] ?? []) capabilityList(capabilities[set] ?? [], `process.capabilities.${set}`);
  optional(processValue.rlimits, (v) => {
    if (!Array.isArray(v)) fail("process.rlimits", "must be an array");
    v.forEach((item, i) => {
      const limit = object(item, `process.rlimits[${i}]`);
      const type = string(limit.type, `process.rlimits[${i}].type`);
      if (!(type in RLIMITS)) fail(`process.rlimits[${i}].type`, `names an unknown limit "${type}"`);
      // 18446744073709551615 (RLIM_INFINITY) reads as 2^64 in JavaScript.
      const soft = integer(limit.soft, `process.rlimits[${i}].soft`, 0, 2 ** 64);
      const hard = integer(limit.hard, `process.rlimits[${i}].hard`, 0, 2 ** 64);
      if (soft > hard) fail(`process.rlimits[${i}]`, "has soft above hard");
    });
  });
  optional(processValue.noNewPrivileges, (v) => boolean(v, "process.noNewPrivileges"));
  optional(processValue.oomScoreAdj, (v) => integer(v, "process.oomScoreAdj", -1000, 1000));

  const root = object(spec.root, "root");
  absolute(root.path, "root.path");
  optional(root.readonly, (v) => boolean(v, "root.readonly"));
  const hostname = string(spec.hostname, "hostname");
  if (hostname.length > 64) fail("hostname", "is longer than 64 characters");

  if (!Array.isArray(spec.mounts)) fail("mounts", "must be an array");
  spec.mounts.forEach((item, i) => {
    const mount = object(item, `mounts[${i}]`);
    for (const key of Object.keys(mount)) {
      if (!["destination", "type", "source", "options"].includes(key)) fail(`mounts[${i}].${key}`, "is not supported by minic");
    }
    const destination = absolute(mount.destination, `mounts[${i}].destination`);
    if (destination.split("/").includes("..")) fail(`mounts[${i}].destination`, `must not contain "..": ${destination}`);
    string(mount.type, `mounts[${i}].type`);
    string(mount.source, `mounts[${i}].source`);
    optional(mount.options, (v) => {
      const why = unsupportedMountOption(strings(v, `mounts[${i}].options`));
      if (why !== null) fail(`mounts[${i}].options`, why);
    });
  });

  const linux = object(spec.linux, "linux");
  if (!Array.isArray(linux.namespaces)) fail("linux.namespaces", "must be an array");
  const seen = new Set<string>();
  linux.namespaces.forEach((item, i) => {
    const namespace = object(item, `linux.namespaces[${i}]`);
    for (const key of Object.keys(namespace)) {
      if (key !== "type" && key !== "path") fail(`linux.namespaces[${i}].${key}`, "is not supported by minic");
    }
    const type = string(namespace.type, `linux.namespaces[${i}].type`);
    if (!NAMESPACE_TYPES.includes(type)) fail(`linux.namespaces[${i}].type`, `names an unknown namespace "${type}"`);
    if (seen.has(type)) fail("linux.namespaces", `lists ${type} twice`);
    seen.add(type);
    optional(namespace.path, (v) => absolute(v, `linux.namespaces[${i}].path`));
  });
  idMappings(linux, linux.namespaces as Record<string, Json>[]);
  userMapped(user, linux);
  if (!Array.isArray(linux.devices ?? [])) fail("linux.devices", "must be an array");
  ((linux.devices ?? []) as Json[]).forEach((item, i) => {
    const device = object(item, `linux.devices[${i}]`);
    for (const key of Object.keys(device)) {
      if (!["path", "type", "major", "minor", "fileMode", "uid", "gid"].includes(key)) fail(`linux.devices[${i}].${key}`, "is not supported by minic");
    }
    const path = absolute(device.path, `linux.devices[${i}].path`);
    if (!path.startsWith("/dev/")) fail(`linux.devices[${i}].path`, `must be under /dev: ${path}`);
    const type = string(device.type, `linux.devices[${i}].type`);
    if (!["c", "b", "p"].includes(type)) fail(`linux.devices[${i}].type`, `must be c, b or p, not "${type}"`);
    integer(device.major, `linux.devices[${i}].major`, 0, 4095);
    integer(device.minor, `linux.devices[${i}].minor`, 0, 1048575);
    optional(device.fileMode, (v) => integer(v, `linux.devices[${i}].fileMode`, 0, 0o7777));
    optional(device.uid, (v) => integer(v, `linux.devices[${i}].uid`, 0, MAX_ID));
    optional(device.gid, (v) => integer(v, `linux.devices[${i}].gid`, 0, MAX_ID));
  });
  for (const field of ["maskedPaths", "readonlyPaths"]) {
    const paths = strings(linux[field] ?? [], `linux.${field}`);
    for (let i = 0; i < paths.length; i++) {
      if (!paths[i]?.startsWith("/")) absolute(paths[i], `linux.${field}[${i}]`);
    }
  }
  const propagation = string(linux.rootfsPropagation ?? "rprivate", "linux.rootfsPropagation");
  if (!PROPAGATIONS.includes(propagation)) fail("linux.rootfsPropagation", `must be one of ${PROPAGATIONS.join(", ")}`);
  const resources = object(linux.resources ?? {}, "linux.resources");
  optional(resources.memory, (v) => {
    const memory = object(v, "linux.resources.memory");
    optional(memory.limit, (s) => integer(s, "linux.resources.memory.limit", 1, Number.MAX_SAFE_INTEGER));
    optional(memory.swap, (s) => integer(s, "linux.resources.memory.swap", -1, Number.MAX_SAFE_INTEGER));
    if (memory.swap !== undefined && memory.limit === undefined) fail("linux.resources.memory.swap", "needs linux.resources.memory.limit");
    for (const field of ["reservation", "kernel", "kernelTCP"]) optional(memory[field], (s) => integer(s, `linux.resources.memory.${field}`, -1, Number.MAX_SAFE_INTEGER));
    optional(memory.swappiness, (s) => integer(s, "linux.resources.memory.swappiness", 0, 100));
    optional(memory.disableOOMKiller, (s) => boolean(s, "linux.resources.memory.disableOOMKiller"));
  });
  optional(resources.cpu, (v) => {
    const cpu = object(v, "linux.resources.cpu");
    optional(cpu.shares, (s) => integer(s, "linux.resources.cpu.shares", 2, 262144));
    for (const field of ["cpus", "mems"]) {
      optional(cpu[field], (s) => {
        if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(string(s, `linux.resources.cpu.${field}`))) fail(`linux.resources.cpu.${field}`, `must be a list like 0-3,5, not "${String(s)}"`);
      });
    }
    for (const field of ["realtimePeriod", "realtimeRuntime"]) optional(cpu[field], (s) => integer(s, `linux.resources.cpu.${field}`, 0, Number.MAX_SAFE_INTEGER));
    optional(cpu.quota, (s) => integer(s, "linux.resources.cpu.quota", 1000, Number.MAX_SAFE_INTEGER));
    optional(cpu.period, (s) => integer(s, "linux.resources.cpu.period", 1000, 1000000));
  });
  optional(resources.devices, (v) => {
    if (!Array.isArray(v)) fail("linux.resources.devices", "must be an array");
    v.forEach((item, i) => {
      const at = `linux.resources.devices[${i}]`;
      const rule = object(item, at);
      for (const key of Object.keys(rule)) {
        if (!["allow", "type", "major", "minor", "access"].includes(key)) fail(`${at}.${key}`, "is not supported by minic");
      }
      boolean(rule.allow, `${at}.allow`);
      optional(rule.type, (t) => {
        if (!["a", "c", "b"].includes(string(t, `${at}.type`))) fail(`${at}.type`, `must be a, c or b, not "${String(t)}"`);
      });
      // -1 is how some engines spell "any", as runc accepts.
      optional(rule.major, (n) => integer(n, `${at}.major`, -1, 4095));
      optional(rule.minor, (n) => integer(n, `${at}.minor`, -1, 1048575));
      optional(rule.access, (a) => {
        const access = string(a, `${at}.access`);
        if (!/^[rwm]{0,3}$/.test(access) || new Set(access).size !== access.length) fail(`${at}.access`, `must be made of r, w and m, not "${access}"`);
      });
    });
  });
  optional(resources.pids, (v) => integer(object(v, "linux.resources.pids").limit, "linux.resources.pids.limit", 1, Number.MAX_SAFE_INTEGER));
  const cgroupsPath = string(linux.cgroupsPath, "linux.cgroupsPath");
  if (cgroupsPath.split("/").includes("..")) fail("linux.cgroupsPath", `must not contain "..": ${cgroupsPath}`);
  optional(linux.sysctl, (v) => {
    const sysctl = object(v, "linux.sysctl");
    for (const [key, value] of Object.entries(sysctl)) {
      if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(key)) fail(`linux.sysctl`, `has an invalid key "${key}"`);
      string(value, `linux.sysctl.${key}`);
    }
  });
  optional(linux.seccomp, (v) => seccomp(object(v, "linux.seccomp")));
  optional(linux.personality, (v) => {
    const personality = object(v, "linux.personality");
    if (personality.domain !== "LINUX" && personality.domain !== "LINUX32") fail("linux.personality.domain", `must be LINUX or LINUX32, not ${JSON.stringify(personality.domain)}`);
    // No flag is defined for Linux yet: one would be refused rather than dropped.
    if (strings(personality.flags ?? [], "linux.personality.flags").length > 0) fail("linux.personality.flags", "is not supported by minic");
  });
  optional(resources.blockIO, (v) => {
    const blockIO = object(v, "linux.resources.blockIO");
    optional(blockIO.weight, (w) => integer(w, "linux.resources.blockIO.weight", 10, 1000));
    optional(blockIO.leafWeight, (w) => integer(w, "linux.resources.blockIO.leafWeight", 10, 1000));
    for (const field of ["weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"]) {
      optional(blockIO[field], (list) => {
        if (!Array.isArray(list)) fail(`linux.resources.blockIO.${field}`, "must be an array");
        list.forEach((item, i) => {
          const at = `linux.resources.blockIO.${field}[${i}]`;
          const device = object(item, at);
          for (const key of Object.keys(device)) {
            if (!["major", "minor", "weight", "leafWeight", "rate"].includes(key)) fail(`${at}.${key}`, "is not supported by minic");
          }
          integer(device.major, `${at}.major`, 0, 4095);
          integer(device.minor, `${at}.minor`, 0, 1048575);
          for (const key of ["weight", "leafWeight"]) optional(device[key], (w) => integer(w, `${at}.${key}`, 10, 1000));
          optional(device.rate, (r) => integer(r, `${at}.rate`, 0, Number.MAX_SAFE_INTEGER));
        });
      });
    }
  });
  optional(resources.hugepageLimits, (v) => {
    if (!Array.isArray(v)) fail("linux.resources.hugepageLimits", "must be an array");
    v.forEach((item, i) => {
      const limit = object(item, `linux.resources.hugepageLimits[${i}]`);
      for (const key of Object.keys(limit)) if (!["pageSize", "limit"].includes(key)) fail(`linux.resources.hugepageLimits[${i}].${key}`, "is not supported by minic");
      if (!/^\d+[KMG]B$/.test(string(limit.pageSize, `linux.resources.hugepageLimits[${i}].pageSize`))) fail(`linux.resources.hugepageLimits[${i}].pageSize`, `must be a size like 2MB, not "${String(limit.pageSize)}"`);
      integer(limit.limit, `linux.resources.hugepageLimits[${i}].limit`, 0, Number.MAX_SAFE_INTEGER);
    });
  });
  optional(resources.network, (v) => {
    const network = object(v, "linux.resources.network");
    optional(network.classID, (c) => integer(c, "linux.resources.network.classID", 0, 4294967295));
    optional(network.priorities, (list) => {
      if (!Array.isArray(list)) fail("linux.resources.network.priorities", "must be an array");
      list.forEach((item, i) => {
        const priority = object(item, `linux.resources.network.priorities[${i}]`);
        string(priority.name, `linux.resources.network.priorities[${i}].name`);
        integer(priority.priority, `linux.resources.network.priorities[${i}].priority`, 0, 4294967295);
      });
    });
  });
  optional(resources.unified, (v) => {
    for (const [file, value] of Object.entries(object(v, "linux.resources.unified"))) {
      if (!/^[a-z0-9_]+\.[a-z0-9_.]+$/.test(file)) fail("linux.resources.unified", `names an invalid cgroup file "${file}"`);
      string(value, `linux.resources.unified.${file}`);
    }
  });
  optional(spec.domainname, (v) => {
    if (string(v, "domainname").length > 64) fail("domainname", "is longer than 64 characters");
  });
  optional(spec.hooks, (v) => {
    const hooks = object(v, "hooks");
    for (const [kind, list] of Object.entries(hooks)) {
      if (!Array.isArray(list)) fail(`hooks.${kind}`, "must be an array");
      list.forEach((item, i) => {
        const at = `hooks.${kind}[${i}]`;
        const hook = object(item, at);
        for (const key of Object.keys(hook)) {
          if (!["path", "args", "env", "timeout"].includes(key)) fail(`${at}.${key}`, "is not supported by minic");
        }
        absolute(hook.path, `${at}.path`);
        optional(hook.args, (a) => strings(a, `${at}.args`));
        optional(hook.env, (e) => strings(e, `${at}.env`));
        optional(hook.timeout, (t) => integer(t, `${at}.timeout`, 1, 2 ** 31 - 1));
      });
    }
  });
  optional(spec.annotations, (v) => {
    for (const [key, value] of Object.entries(object(v, "annotations"))) string(value, `annotations.${key}`);
  });
  return input as Spec;
}
