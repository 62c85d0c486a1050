// Run the real minic binary (built by `make build`) the way a user does, and read what it did.
import { afterAll, afterEach, beforeEach, expect } from "bun:test";
import { spawn } from "bun";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildBusyboxRootfs } from "./rootfs.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const MINIC = process.env.MINIC_BIN ?? join(REPO, "minic");

/** One busybox rootfs per test run, shared read-only by every container. */
export const ROOTFS = buildBusyboxRootfs(join(REPO, ".cache", "test-rootfs"));

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  stdin?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** A private state directory, so each test sees only its own containers. */
export function stateDir(): string {
  return mkdtempSync(join(tmpdir(), "minic-test-"));
}

export function requireBinary(): void {
  if (!existsSync(MINIC)) throw new Error(`${MINIC} is missing: run \`make build\` first`);
}

/** The cgroup parent this test file's containers go under; null: minic's default. */
let cgroupParent: string | null = null;

/**
 * A cgroup parent of a test file's own (--cgroup-parent), so that its cgroup assertions count only
 * its own containers: another minic on the machine cannot fail them. Call useCgroupParent with it
 * before each test and removeCgroupParent after the file.
 */
export function ownCgroupParent(file: string): string {
  return `minic/test-${file}-${process.pid}`;
}

/** Every run and create through minic() and withCgroupParent() goes under `parent` (null: minic's default). */
export function useCgroupParent(parent: string | null): void {
  cgroupParent = parent;
}

/** The parent's directories, in every hierarchy, once empty. */
export function removeCgroupParent(parent: string): void {
  for (const dir of cgroupRoots()) {
    try {
      rmdirSync(join(dir, parent));
    } catch {
      // not made in this hierarchy, or (a leak the tests report) not empty
    }
  }
}

/** `minic run|create ...` with this file's --cgroup-parent added; other commands as they are. */
export function withCgroupParent(args: string[]): string[] {
  const [verb, ...rest] = args;
  // runc's create names its cgroup in the bundle's config.json.
  if (cgroupParent === null || (verb !== "run" && verb !== "create") || rest.includes("--bundle")) return args;
  return [verb, "--cgroup-parent", cgroupParent, ...rest];
}

export async function minic(args: string[], root: string, opts: RunOpts = {}): Promise<Result> {
  requireBinary();
  const child = spawn([MINIC, ...withCgroupParent(args)], {
    env: { ...process.env, MINIC_ROOT: root, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs ?? 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** `minic run --rm --rootfs ROOTFS ...args` in a throwaway state directory. */
export async function run(args: string[], opts: RunOpts & { root?: string } = {}): Promise<Result> {
  const root = opts.root ?? stateDir();
  try {
    return await minic(["run", "--rm", "--rootfs", ROOTFS, ...args], root, opts);
  } finally {
    if (opts.root === undefined) rmSync(root, { recursive: true, force: true });
  }
}

export function hostMounts(): string {
  // Mount ids and the like are stable; the whole table must be identical before and after.
  return readFileSync("/proc/self/mountinfo", "utf8");
}

/**
 * What a state directory holds beyond its skeleton (containers/, names/) and minic's caches (the
 * executor library, resolved and compiled seccomp profiles): what a failed or dry run must not leave.
 */
export function leftovers(root: string): string[] {
  // host-local's lock and its last-used address per network stay, as they do for podman; a lease
  // (a file named by its address) would be a leftover.
  return tree(root).filter((path) => !/^(containers|bundles|names|executor-[0-9a-z]+\.so|seccomp|seccomp\/[\w-]+\.(bpf|json)|userns|cni|cni\/ipam|cni\/ipam\/[\w.-]+|cni\/ipam\/[\w.-]+\/(lock|last_reserved_ip\.\d+))$/.test(path));
}

/** Everything under a state directory, as a sorted list of relative paths. */
export function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(20);
  }
}

/** The cgroup hierarchies' roots here: /sys/fs/cgroup itself (v2) and each v1 hierarchy in it. */
function cgroupRoots(): string[] {
  return ["/sys/fs/cgroup", ...readdirSync("/sys/fs/cgroup", { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join("/sys/fs/cgroup", entry.name))];
}

/**
 * The container cgroups under this file's parent (or minic's default one) in every hierarchy:
 * the containers' own directories, not the parent's other children such as another file's.
 */
export function minicCgroups(): string[] {
  const found: string[] = [];
  for (const dir of cgroupRoots()) {
    const parent = join(dir, cgroupParent ?? "minic");
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (entry.isDirectory() && /^[0-9a-f]{64}$/.test(entry.name)) found.push(join(parent, entry.name));
    }
  }
  return found.sort();
}

/**
 * What a test leaves is removed the way a user would: kill what still runs, wait until `ps`
 * shows nothing running, then `rm` everything, so cgroups and layers go through minic itself.
 */
export async function removeAllContainers(root: string): Promise<void> {
  const running = async () => (await minic(["ps", "-q"], root)).stdout.split("\n").filter(Boolean);
  const ids = await running();
  if (ids.length > 0) await minic(["kill", ...ids], root);
  const deadline = Date.now() + 5000;
  while ((await running()).length > 0 && Date.now() < deadline) await Bun.sleep(20);
  // -f: a created container's parked init is not "running" for ps, and goes only with -f.
  const all = (await minic(["ps", "-aq"], root)).stdout.split("\n").filter(Boolean);
  if (all.length > 0) await minic(["rm", "-f", ...all], root);
}

/**
 * What the containers of state directory `root` hold of the host's network: the namespace files
 * and iptables rules (CNI's name the container's id) of `ids`, and any address lease in `root`.
 */
/** The default network's leases (host-local's files named by address), for every state root. */
export const SHARED_LEASES = "/run/minic/ipam/minic";

export function sharedLeases(): string[] {
  return existsSync(SHARED_LEASES) ? readdirSync(SHARED_LEASES).filter((file) => /^[\d.]+$|:/.test(file)) : [];
}

export function networkTraces(root: string, ids: string[]): string[] {
  const found: string[] = [];
  const netns = existsSync("/run/netns") ? readdirSync("/run/netns") : [];
  for (const id of ids) if (netns.includes(`minic-${id.slice(0, 12)}`)) found.push(`netns ${id.slice(0, 12)}`);
  const ipam = join(root, "cni", "ipam");
  for (const network of existsSync(ipam) ? readdirSync(ipam) : []) {
    for (const file of readdirSync(join(ipam, network))) {
      // Every lease in the directory is one of its containers', those already removed included.
      if (/^[\d.]+$|:/.test(file)) found.push(`lease ${network}/${file}`);
    }
  }
  // The default network's leases are the host's (shared by every state root): only these containers' count.
  for (const file of sharedLeases()) {
    const holder = readFileSync(join(SHARED_LEASES, file), "utf8").split(/\r?\n/)[0] ?? "";
    if (ids.includes(holder)) found.push(`lease minic/${file}`);
  }
  if (ids.length === 0) return found;
  const rules = ["iptables-save", "ip6tables-save"].flatMap((save) => Bun.spawnSync([save]).stdout.toString().split("\n"));
  for (const id of ids) if (rules.some((rule) => rule.includes(id))) found.push(`rules ${id.slice(0, 12)}`);
  return found;
}

/** The ids of the containers a state directory holds (damaged records' included). */
function containerIds(root: string): string[] {
  const dir = join(root, "containers");
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name)) : [];
}

/**
 * The hooks of a test file whose tests make containers: each test gets a private state directory
 * and this file's own cgroup parent; after it, its containers are removed through minic and no
 * cgroup or network trace of theirs may remain. Returns the current test's state directory.
 */
export function isolatedContainers(file: string): () => string {
  const parent = ownCgroupParent(file);
  let root = "";
  let cgroupsBefore: string[] = [];
  beforeEach(() => {
    useCgroupParent(parent);
    root = stateDir();
    cgroupsBefore = minicCgroups();
  });
  afterEach(async () => {
    try {
      const ids = containerIds(root);
      await removeAllContainers(root);
      // A test that failed half-way leaves its user networks: their bridges go with them.
      const networks = existsSync(join(root, "networks")) ? readdirSync(join(root, "networks")).filter((file) => file.endsWith(".conflist")).map((file) => file.slice(0, -".conflist".length)) : [];
      if (networks.length > 0) await minic(["network", "rm", ...networks], root);
      expect(minicCgroups()).toEqual(cgroupsBefore);
      // Its containers' own network: namespace files, leases and rules, all gone with them.
      expect(networkTraces(root, ids)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
      useCgroupParent(null);
    }
  });
  afterAll(() => removeCgroupParent(parent));
  return () => root;
}
