// An OCI bundle's config.json to the spec minic runs: the fields the runtime spec lets a config
// leave out get the values runc gives them, paths relative to the bundle become absolute, and
// then the same validator as every other front end decides. Pure: the caller reads the file.
import { isAbsolute, join } from "node:path";
import { MinicError } from "../errors.ts";
import { MOUNT_OPTION_NAMES } from "./mount-options.ts";
import { DEFAULT_DEVICE_RULES, DEFAULT_DEVICES } from "./defaults.ts";
import { DEFAULT_CGROUP_PARENT } from "./from-run-flags.ts";
import type { Spec } from "./types.ts";
import { validateSpec } from "./validate.ts";
import { CAPABILITIES } from "../plan/linux.ts";

/** Unknown names are the validator's to refuse, not this file's to drop. */
function isKnownCapability(name: string): boolean {
  return Object.hasOwn(CAPABILITIES, name);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The runtime spec's top-level properties. Others are extensions, which a runtime must ignore
 *  (config.md, "Extensibility"); those the spec defines are minic's to honour or refuse. */
const SPEC_PROPERTIES = ["ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks", "annotations", "linux", "solaris", "windows", "vm", "zos"];
/** Sections for other platforms, which a Linux runtime has nothing to do with. */
const OTHER_PLATFORMS = ["solaris", "windows", "vm", "zos"];

/** Fields minic accepts and does not apply on a host without the LSM they name, with a warning. */
const IGNORED_PROCESS_FIELDS = ["apparmorProfile", "selinuxLabel"];

export interface BundleSpec {
  spec: Spec;
  /** What was accepted but not applied, one line each, for the caller to warn about. */
  ignored: string[];
}

/**
 * `config`: config.json parsed; `bundle`: its directory, absolute; `id`: the container's id;
 * `available`: the capabilities minic itself has. It cannot give others: in the bounding set, a
 * ceiling, such a capability is left out with a note (the kernel's ceiling is minic's own anyway);
 * asked for in a set that grants it, it fails create, as it does with runc and crun.
 */
export function specFromBundle(config: unknown, bundle: string, id: string, available?: string[]): BundleSpec {
  if (!isObject(config)) throw new MinicError("invalid spec: config.json must hold an object");
  const ignored: string[] = [];
  const copy: Json = {};
  for (const [key, value] of Object.entries(config)) {
    if (!SPEC_PROPERTIES.includes(key)) ignored.push(`${key} is not a property of the runtime spec: ignored`);
    else if (!OTHER_PLATFORMS.includes(key)) copy[key] = value;
  }
  if (typeof copy.ociVersion !== "string" || !/^1\.\d+\.\d+(-[\w.]+)?$/.test(copy.ociVersion)) {
    throw new MinicError(`invalid spec: ociVersion ${JSON.stringify(copy.ociVersion)} is not a version of the runtime spec minic reads (1.x.y)`);
  }
  const process: Json = isObject(copy.process) ? { ...copy.process } : {};
  for (const field of IGNORED_PROCESS_FIELDS) {
    if (process[field] !== undefined) {
      ignored.push(`process.${field} is ignored: this host has no such security module enabled`);
      delete process[field];
    }
  }
  process.terminal ??= false;
  process.env ??= [];
  const capabilities: Json = isObject(process.capabilities) ? { ...process.capabilities } : {};
  for (const set of ["bounding", "effective", "permitted", "inheritable", "ambient"]) {
    capabilities[set] ??= [];
    const names = capabilities[set];
    if (available !== undefined && Array.isArray(names)) {
      const missing = names.filter((cap) => typeof cap === "string" && isKnownCapability(cap) && !available.includes(cap));
      const them = missing.length > 1 ? "them" : "it";
      if (missing.length > 0 && set !== "bounding") {
        throw new MinicError(`cannot grant process.capabilities.${set} ${missing.join(", ")}: minic itself does not hold ${them} on this host`);
      }
      if (missing.length > 0) {
        ignored.push(`process.capabilities.${set}: ${missing.join(", ")} left out: minic itself does not have ${them}`);
        capabilities[set] = names.filter((cap) => !missing.includes(cap));
      }
    }
  }
  // The kernel raises an ambient capability only if it is permitted and inheritable: runc warns
  // about the others and goes on, and so does minic.
  const { ambient, inheritable, permitted } = capabilities;
  if (Array.isArray(ambient) && Array.isArray(inheritable) && Array.isArray(permitted)) {
    const raisable = ambient.filter((cap) => inheritable.includes(cap) && permitted.includes(cap));
    const dropped = ambient.filter((cap) => !raisable.includes(cap));
    if (dropped.length > 0) ignored.push(`process.capabilities.ambient: ${dropped.join(", ")} cannot be raised (not both permitted and inheritable)`);
    capabilities.ambient = raisable;
  }
  process.capabilities = capabilities;
  copy.process = process;

  const root: Json = isObject(copy.root) ? { ...copy.root } : {};
  // runc resolves a relative root against the bundle.
  if (typeof root.path === "string" && !isAbsolute(root.path)) root.path = join(bundle, root.path);
  root.readonly ??= false;
  copy.root = root;
  copy.hostname ??= "";
  copy.annotations ??= {};
  copy.mounts = Array.isArray(copy.mounts)
    ? copy.mounts.map((mount, index) => {
        if (!isObject(mount)) return mount;
        const given = Array.isArray(mount.options) ? mount.options : [];
        const bind = given.includes("bind") || given.includes("rbind");
        // A bind takes no file system data (mode=755, size=1k): left out with a note, as runc and
        // crun pass it to a mount that ignores it. An unknown word (rro, idmap) is still refused
        // by the validator: it may mean something minic would not do.
        const meaningless = bind ? given.filter((option) => typeof option === "string" && /^[\w.-]+=/.test(option) && !MOUNT_OPTION_NAMES.includes(option)) : [];
        if (meaningless.length > 0) ignored.push(`mounts[${index}].options: ${meaningless.map((option) => JSON.stringify(option)).join(", ")} mean nothing to a bind mount: ignored`);
        const options = given.filter((option) => !meaningless.includes(option));
        // A bind's source may be relative to the bundle; its type may be left out.
        const source = typeof mount.source === "string" && bind && !isAbsolute(mount.source) ? join(bundle, mount.source) : (mount.source ?? "none");
        return { ...mount, type: mount.type ?? (bind ? "bind" : "none"), source, options };
      })
    : [];

  const linux: Json = isObject(copy.linux) ? { ...copy.linux } : {};
  // An SELinux label for the container's mounts: nothing to apply where SELinux is off.
  if (linux.mountLabel !== undefined) {
    ignored.push("linux.mountLabel is ignored: this host has no such security module enabled");
    delete linux.mountLabel;
  }
  linux.namespaces ??= [];
  // The runtime spec's default devices are always there (runc adds them too), and allowed after
  // whatever device rules the config has.
  const devices = Array.isArray(linux.devices) ? linux.devices.map((device) => (isObject(device) ? { fileMode: 0o666, uid: 0, gid: 0, ...device } : device)) : [];
  const listed = new Set(devices.map((device) => (isObject(device) ? device.path : undefined)));
  linux.devices = [...devices, ...DEFAULT_DEVICES.filter((device) => !listed.has(device.path)).map((device) => ({ ...device }))];
  const resources: Json = isObject(linux.resources) ? { ...linux.resources } : {};
  resources.devices = [...(Array.isArray(resources.devices) ? resources.devices : []), ...DEFAULT_DEVICE_RULES.filter((rule) => rule.allow).map((rule) => ({ ...rule }))];
  linux.resources = resources;
  linux.maskedPaths ??= [];
  linux.readonlyPaths ??= [];
  linux.rootfsPropagation ??= "rprivate";
  if (typeof linux.cgroupsPath === "string" && linux.cgroupsPath.includes(":")) linux.cgroupsPath = sliceToPath(linux.cgroupsPath);
  // runc's cgroupfs paths are relative to each hierarchy's root whether they start with / or not.
  linux.cgroupsPath = typeof linux.cgroupsPath === "string" && linux.cgroupsPath !== "" ? linux.cgroupsPath.replace(/^\/+/, "") : `${DEFAULT_CGROUP_PARENT}/${id}`;
  copy.linux = linux;

  const spec = validateSpec(copy);
  if (!spec.linux.namespaces.some((ns) => ns.type === "mount")) refuseWithoutMountNamespace(spec);
  return { spec, ignored };
}

/**
 * A container without a mount namespace makes its mounts in its creator's, under its root, and is
 * entered with chroot (as runc does): what needs a mount table of the container's own is refused.
 */
function refuseWithoutMountNamespace(spec: Spec): void {
  const needs = (what: string): never => {
    throw new MinicError(`invalid spec: ${what} needs a mount namespace (linux.namespaces has none)`);
  };
  if (spec.linux.maskedPaths.length > 0) needs("linux.maskedPaths");
  if (spec.linux.readonlyPaths.length > 0) needs("linux.readonlyPaths");
  if (spec.root.readonly) needs("root.readonly");
  if (spec.linux.namespaces.some((ns) => ns.type === "user")) needs("a user namespace");
}

/**
 * systemd's form of cgroupsPath, SLICE:PREFIX:NAME (what an engine configured for systemd sends),
 * as the directory systemd would make for it: the slice expanded by its dashes (a-b.slice lives
 * in a.slice), then PREFIX-NAME.scope, or NAME itself when it is a slice. minic makes it in the
 * cgroup file system itself; systemd is not told.
 */
export function sliceToPath(cgroupsPath: string): string {
  const parts = cgroupsPath.split(":");
  const refuse = (why: string): never => {
    throw new MinicError(`invalid spec: linux.cgroupsPath "${cgroupsPath}" ${why}`);
  };
  if (parts.length !== 3) refuse("has a colon but is not systemd's SLICE:PREFIX:NAME");
  const [slice = "", prefix = "", name = ""] = parts;
  if (name === "") refuse("names no unit (SLICE:PREFIX:NAME with an empty NAME)");
  const expand = (unit: string): string => {
    if (unit === "-.slice") return "";
    if (!/^[\w.@-]+\.slice$/.test(unit) || unit.startsWith("-") || unit.includes("--") || unit.endsWith("-.slice")) refuse(`names an invalid slice "${unit}"`);
    const words = unit.slice(0, -".slice".length).split("-");
    return words.map((_, i) => `${words.slice(0, i + 1).join("-")}.slice`).join("/");
  };
  const parent = expand(slice === "" ? "system.slice" : slice);
  const leaf = name.endsWith(".slice") ? expand(name).split("/").pop() ?? name : `${prefix === "" ? "" : `${prefix}-`}${name}.scope`;
  return [parent, leaf].filter((part) => part !== "").join("/");
}
