// An OCI bundle (a directory with config.json and, usually, rootfs/) prepared as a container,
// for the runc-style create: the spec comes from config.json, the root is used as it is.
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { placeCgroup, placeRootlessCgroup } from "../cgroups/cgroup.ts";
import { hostCgroupLayout } from "../cgroups/layout.ts";
import { MinicError } from "../errors.ts";
import { log } from "../log.ts";
import { buildPlan } from "../plan/plan.ts";
import { specFromBundle } from "../spec/from-bundle.ts";
import { validateName } from "../state/names.ts";
import { containerDir, detachedBundleDir, fsReason, overlayLayout, readRecord, stateRoot, type ContainerRecord } from "../state/store.ts";
import type { PreparedRun } from "./run.ts";
import { compiledFilters } from "./seccomp.ts";
import { ownCapabilities } from "./privileges.ts";
import { rootlessLayout, rootlessUser } from "./rootless.ts";

/**
 * Set by `minic run -d` in the bundle it hands conmon, whose `create` comes back here: the
 * container's Docker name, and that its root is minic's overlay over `root.path`.
 */
export const NAME_ANNOTATION = "org.minic.name";
export const OVERLAY_ANNOTATION = "org.minic.overlay";

/** runc's create flags that change how the container is made. */
export interface BundleOptions {
  /** --no-pivot: chroot into a root moved onto / (a root on ramfs refuses pivot_root). */
  noPivot: boolean;
  /** --no-new-keyring: the processes keep their creator's session keyring. */
  noNewKeyring: boolean;
}

export const DEFAULT_BUNDLE_OPTIONS: BundleOptions = { noPivot: false, noNewKeyring: false };

/**
 * minic's own container being started again (`minic start` of a stopped one hands conmon its
 * detached bundle): its record, to be reused with its layer. Any other existing id is taken.
 */
function stoppedDetached(root: string, id: string, bundle: string): ContainerRecord | null {
  if (bundle !== detachedBundleDir(root, id)) return null;
  const entry = readRecord(root, id);
  return entry !== null && entry.kind === "ok" && entry.record.status === "stopped" ? entry.record : null;
}

export function prepareBundle(bundleDir: string, id: string, options: BundleOptions = DEFAULT_BUNDLE_OPTIONS): PreparedRun {
  const root = stateRoot();
  validateName(id);
  const bundle = resolve(bundleDir);
  const again = stoppedDetached(root, id, bundle);
  if (again === null && existsSync(containerDir(root, id))) throw new MinicError(`container with id ${id} exists`);
  const configPath = `${bundle}/config.json`;
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch (error) {
    throw new MinicError(`cannot read ${configPath}: ${fsReason(error)}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new MinicError(`invalid spec: ${configPath} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const { spec, ignored } = specFromBundle(config, bundle, id, ownCapabilities());
  for (const line of ignored) log.warn(line);
  let isDirectory = false;
  try {
    isDirectory = statSync(spec.root.path).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new MinicError(`the bundle's root ${spec.root.path} is not a directory`);
  const rootless = rootlessUser();
  // As runc says it: an ordinary user cannot make the other namespaces without one.
  if (rootless !== null && !spec.linux.namespaces.some((ns) => ns.type === "user")) {
    throw new MinicError(`a rootless container needs a user namespace: ${configPath} has none`, undefined, "minic spec --rootless writes a config.json with one");
  }
  const cgroup = rootless === null
    ? placeCgroup(hostCgroupLayout(), spec.linux.cgroupsPath, spec.linux.resources)
    : placeRootlessCgroup(hostCgroupLayout(), spec.linux.cgroupsPath, spec.linux.resources, rootless.uid);
  const sessionKeyring = !options.noNewKeyring;
  const name = spec.annotations?.[NAME_ANNOTATION] ?? id;
  if (name !== id) validateName(name);
  const overlay = spec.annotations?.[OVERLAY_ANNOTATION] === "true" ? overlayLayout(root, id) : null;
  const plan = buildPlan(spec, { id, overlay, cgroup, noPivot: options.noPivot, sessionKeyring, ...rootlessLayout(spec) }, compiledFilters(spec, root));
  return { id, name, spec, plan, missingSources: [], cgroup, bundle, sessionKeyring, again, etcFiles: {} };
}
