// `minic run`: create the container and start it in this process (no exec fifo: the child goes
// straight from setup to execve), wait for it, and clean up on every way out.
import { closeSync, existsSync, openSync, readFileSync, statfsSync } from "node:fs";
import { executorIn } from "../process/executor.ts";
import { driverFor, placeCgroup, placeRootlessCgroup, removeCgroup } from "../cgroups/cgroup.ts";
import { hostCgroupLayout } from "../cgroups/layout.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import { log } from "../log.ts";
import { buildPlan, type Plan } from "../plan/plan.ts";
import { identify, isAlive } from "../process/identity.ts";
import { join } from "node:path";
import { forwardSignals } from "../process/signals.ts";
import { exitCodeOf, exitOf, startChild } from "../process/spawn.ts";
import { openTerminalSession, stdinIsTerminal } from "../process/terminal.ts";
import { buildSpec } from "../spec/from-run-flags.ts";
import { cniNetworkOf, networkContainer, type RunOptions } from "../spec/run-options.ts";
import type { Spec } from "../spec/types.ts";
import { validateSpec } from "../spec/validate.ts";
import { generateId, generateName, validateName } from "../state/names.ts";
import { containerDir, findContainer, overlayLayout, stateRoot, writeRecord, type ContainerRecord } from "../state/store.ts";
import { inspectBindSources } from "./bind-sources.ts";
import { provisionContainer, type Provisioned } from "./provision.ts";
import { applyRestartPolicy } from "./restart.ts";
import { releaseNetwork } from "./network.ts";
import { ownCapabilities } from "./privileges.ts";
import { ALL_CAPABILITIES } from "../spec/capabilities.ts";
import { assertOverlaySafe, resolveRootfs, userInRoot } from "./rootfs.ts";
import { readImageConfig } from "../image/rootfs-record.ts";
import { applyImageConfig } from "../spec/image-config.ts";
import { parseEnvFile } from "../spec/env.ts";
import { parseLabelFile } from "../spec/labels.ts";
import { hostsFile, resolvConf, withOwnAddress } from "../spec/etc-files.ts";
import { SLIRP_ADDRESS, SLIRP_GATEWAY } from "../network/slirp.ts";
import { netnsPath } from "../network/bridge.ts";
import { findNetwork } from "../network/networks.ts";
import { allocatePorts } from "../network/ports.ts";
import { etcDirOf, networkBeforeSetup, publishedPorts } from "./network.ts";
import { parseSignal } from "../process/signal-names.ts";
import { fsReason } from "../state/store.ts";
import { MinicError } from "../errors.ts";
import { compiledFilters, seccompResolver } from "./seccomp.ts";
import { allHostDevices, hostDevice } from "./devices.ts";
import { setupError } from "./setup-error.ts";
import { removeContainerFiles } from "./remove-files.ts";
import { checkRootlessAccess, rootlessLayout, rootlessNetwork, rootlessUser } from "./rootless.ts";
import { idMapsFromFlags } from "../spec/id-maps.ts";
import { chooseAutoRange, USERNS_AUTO_ANNOTATION } from "./userns-auto.ts";
import { releaseRanges } from "../state/id-ranges.ts";

export interface PreparedRun {
  id: string;
  name: string;
  spec: Spec;
  plan: Plan;
  /** Bind sources -v will create as directories before the container starts. */
  missingSources: string[];
  /** Where the container's cgroup will be made; null on a host without cgroups. */
  cgroup: ContainerCgroup | null;
  /** The OCI bundle it comes from; null for `run` and `create`'s flags. */
  bundle: string | null;
  /** false: its processes keep their creator's session keyring (runc's --no-new-keyring). */
  sessionKeyring: boolean;
  /** A stopped container started again (its directory, layer and name kept); null: a new one. */
  again: ContainerRecord | null;
  /** resolv.conf, hosts and hostname to write into its directory (bound over /etc's); {}: none. */
  etcFiles: Record<string, string>;
}

function readHostFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/**
 * The container's /etc files from the host's: its network decides what of them applies. Joining
 * another container's network (`peer`, its directory), it starts from that container's, as
 * Docker's does.
 */
function etcFiles(options: RunOptions, hostname: string, peer: string | null, gateway: string): Record<string, string> {
  const ownNetwork = options.network !== "host";
  const peerFile = (name: string): string | null => (peer === null ? null : readHostFile(join(peer, name)));
  const baseResolv = peerFile("resolv.conf") ?? readHostFile("/etc/resolv.conf") ?? "";
  return {
    "resolv.conf": resolvConf(baseResolv, options.dns, { own: ownNetwork, upstream: readHostFile("/run/systemd/resolve/resolv.conf") }),
    // Sharing the host's network, the host's names hold; `host-gateway` is then the host itself.
    hosts: hostsFile(peerFile("hosts") ?? (ownNetwork ? null : readHostFile("/etc/hosts")), hostname, options.addHosts, gateway),
    hostname: `${hostname}\n`,
  };
}

/** Debian's tini-static (the tini package): static, so it runs in any rootfs. */
const INIT_BINARIES = ["/usr/bin/tini-static", "/usr/bin/docker-init"];

function initBinary(): string {
  const found = INIT_BINARIES.find((path) => existsSync(path));
  if (found === undefined) throw new MinicError("--init needs tini's static binary (/usr/bin/tini-static), which is not installed", undefined, "apt-get install tini");
  return found;
}

function readLabelFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new MinicError(`cannot read --label-file ${path}: ${fsReason(error)}`);
  }
  return parseLabelFile(text, path);
}

function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new MinicError(`cannot read --env-file ${path}: ${fsReason(error)}`);
  }
  return parseEnvFile(text, path);
}

/** Everything `run` decides before touching the system; `--dry-run` prints exactly this. */
/** `etcDir`: where the container's /etc files are to be written and bound from (its own
 *  directory, or for a detached one the bundle conmon is handed). */
export function prepareRun(asked: RunOptions, etcDir: (root: string, id: string) => string = containerDir, options: { claim: boolean } = { claim: true }): PreparedRun {
  const root = stateRoot();
  assertOverlaySafe(root, "state directory (MINIC_ROOT)");
  const rootless = rootlessUser();
  const id = generateId();
  if (asked.userns !== "auto") return prepareWith(asked, etcDir, root, rootless, id, null, options.claim);
  if (rootless !== null) throw new MinicError("--userns auto is root's: a rootless container has a user namespace of its user's own ids already");
  // --userns=auto: the first free range of minic's pool, claimed now so that two runs choosing at
  // once get different ones (not for --dry-run). What fails before the container is made gives it back.
  const autoRange = chooseAutoRange(root, id, options.claim);
  try {
    return prepareWith({ ...asked, uidMap: autoRange.uidMappings, gidMap: autoRange.gidMappings }, etcDir, root, rootless, id, autoRange, options.claim);
  } catch (error) {
    if (options.claim) releaseRanges(root, id);
    throw error;
  }
}

/** `mutate`: false for --dry-run, which recovers no dead container's network either. */
function prepareWith(asked: RunOptions, etcDir: (root: string, id: string) => string, root: string, rootless: ReturnType<typeof rootlessUser>, id: string, autoRange: { first: number } | null, mutate: boolean): PreparedRun {
  if (rootless !== null) {
    asked = rootlessNetwork(asked);
    // As podman warns: without subordinate ids some images cannot work.
    if (!rootless.subordinate && asked.uidMap.length === 0) log.warn(`${rootless.name} has no subordinate ids in /etc/subuid and /etc/subgid: the container has one user and group, its root (files of other owners show as nobody, and it cannot change user)`);
  }
  const rootfs = resolveRootfs(asked.rootfs);
  // The image's ENTRYPOINT, CMD, ENV, WORKDIR and USER where the command line leaves them out.
  let options = applyImageConfig(
    { ...asked, env: [...asked.envFiles.flatMap(readEnvFile), ...asked.env], labels: [...asked.labelFiles.flatMap(readLabelFile), ...asked.labels] },
    readImageConfig(rootfs),
  );
  // Before anything is written: what the user cannot reach fails now, named.
  if (rootless !== null) checkRootlessAccess(rootless, rootfs, options.mounts, idMapsFromFlags(options.uidMap, options.gidMap) ?? rootless);
  if (options.publish.length > 0) options = { ...options, publish: allocatePorts(options.publish, publishedPorts(root, null, mutate)) };
  // --stop-signal or the image's STOPSIGNAL: checked now, not when `stop` needs it.
  if (options.stopSignal !== null) parseSignal(options.stopSignal);
  // A CNI network (bridge, or one `minic network create` made): it must exist.
  const cniName = cniNetworkOf(options.network);
  const cniNetwork = cniName === null ? null : findNetwork(root, cniName);
  // --network container:NAME: a running container whose network namespace this one joins.
  const joinedRef = networkContainer(options.network);
  const joinedNetwork = joinedRef === null ? null : findContainer(root, joinedRef);
  if (joinedNetwork !== null && (joinedNetwork.status !== "running" || !isAlive(joinedNetwork.process))) {
    throw new MinicError(`--network ${options.network}: container ${joinedRef} is not running`);
  }
  const name = options.name ?? generateName();
  validateName(name);
  if (options.tty && options.interactive && !stdinIsTerminal()) {
    // Docker refuses here; carrying on as -i keeps pipelines like `cmd | minic run -it ...` working.
    log.warn("the input device is not a TTY: running with -i only, without a terminal");
    options = { ...options, tty: false };
  }
  const spec = validateSpec(
    buildSpec(options, {
      id,
      name,
      rootfs,
      user: userInRoot(executorIn(root), rootfs, options.user),
      callerEnv: process.env,
      // Bun's global and /proc, not node:os: loading that module costs half a millisecond a start.
      hostCpus: navigator.hardwareConcurrency,
      seccomp: seccompResolver(options.security.seccomp, root),
      arch: process.arch,
      kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
      devices: options.privileged ? allHostDevices() : options.devices.map(hostDevice),
      // Read only when asked for more than Docker's defaults, which every root has.
      hostCapabilities: options.privileged || options.capAdd.length > 0 ? ownCapabilities() : ALL_CAPABILITIES,
      initBinary: options.init ? initBinary() : null,
      etcFilesDir: etcDir(root, id),
      networkNamespace: joinedNetwork !== null ? `/proc/${joinedNetwork.process?.pid ?? 0}/ns/net` : cniNetwork !== null ? netnsPath(id) : null,
      rootless: rootless === null ? null : { uidMappings: rootless.uidMappings, gidMappings: rootless.gidMappings },
    }),
  );
  if (autoRange !== null) spec.annotations[USERNS_AUTO_ANNOTATION] = String(autoRange.first);
  const missingSources = inspectBindSources(options.mounts);
  const cgroup = rootless === null
    ? placeCgroup(hostCgroupLayout(), spec.linux.cgroupsPath, spec.linux.resources)
    : placeRootlessCgroup(hostCgroupLayout(), spec.linux.cgroupsPath, spec.linux.resources, rootless.uid);
  // Where no cgroup can be made, --cgroup-parent is refused rather than ignored (an engine's
  // bundle path is ignored, as runc's rootless cgroups are best effort).
  if (rootless !== null && cgroup === null && options.cgroupParent !== null) {
    throw new MinicError(`--cgroup-parent ${options.cgroupParent} needs a cgroup of the container's own, and minic runs rootless without one`, undefined, "run as root, or on cgroup v2 in a session that delegates a subtree, as systemd's user@UID.service does");
  }
  const plan = buildPlan(spec, { id, overlay: overlayLayout(root, id), cgroup, ...rootlessLayout(spec) }, compiledFilters(spec, root));
  const slirp = options.network === "slirp4netns";
  const files = etcFiles(options, spec.hostname, joinedNetwork === null ? null : etcDirOf(root, joinedNetwork.id), slirp ? SLIRP_GATEWAY : (cniNetwork?.gateway ?? "127.0.0.1"));
  // Behind slirp4netns its address is known now: its own name stands for it, as on a bridge.
  if (slirp && files.hosts !== undefined) files.hosts = withOwnAddress(files.hosts, spec.hostname, SLIRP_ADDRESS);
  return { id, name, spec, plan, missingSources, cgroup, bundle: null, sessionKeyring: true, again: null, etcFiles: files };
}

/** Run a container to completion and return the exit code minic should exit with. */
export async function runContainer(options: RunOptions): Promise<number> {
  const prepared = prepareRun(options);
  const { spec, plan } = prepared;
  let containerPid: number | null = null;
  const terminal = spec.process.terminal ? openTerminalSession({ interactive: options.interactive }) : null;
  const signals = forwardSignals(() => containerPid, { terminal: terminal !== null });
  let provisioned: Provisioned | null = null;
  // Without -i the workload reads /dev/null, as Docker's does.
  let stdin = -1;
  let exitCode: number;
  try {
    try {
      provisioned = provisionContainer(prepared, { owner: identify(process.pid), autoRemove: options.remove });
      const { root, record } = provisioned;
      if (!options.interactive && terminal === null) stdin = openSync("/dev/null", "r");
      // The child shares our memory (CLONE_VM) and dies with us: we wait for its setup, and
      // nothing it reads is freed before its exit status arrives.
      const child = startChild(plan, root, {
        watch: true,
        shareMemory: true,
        dieWithParent: true,
        stdio: [stdin, -1, -1],
        onTerminal: (master, executor) => terminal?.attach(master, executor),
        beforeSetup: networkBeforeSetup(root, record.id, spec, true),
      });
      containerPid = child.pid;
      const killed = async (error: unknown): Promise<never> => {
        process.kill(child.pid, "SIGKILL");
        await exitOf(child);
        throw error;
      };
      try {
        writeRecord(root, { ...record, status: "running", process: identify(child.pid), started: new Date().toISOString() });
      } catch (error) {
        await killed(error);
      }
      try {
        child.release();
      } catch (error) {
        await exitOf(child); // release killed it
        throw error;
      }
      signals.flush();
      const setup = await child.setup.catch(killed);
      if (setup.kind === "failed") {
        await exitOf(child);
        throw setupError(setup, plan);
      }
      exitCode = exitCodeOf(await exitOf(child));
    } catch (error) {
      // Nothing of a container that never ran its workload is kept, --rm or not.
      provisioned?.undo();
      throw error;
    }
    // The workload ran: from here on nothing is deleted but what --rm asks for.
    terminal?.finish();
    containerPid = null;
    finishRun(prepared, provisioned, exitCode, options.remove);
    if (!options.remove) await applyRestartPolicy(provisioned.root, provisioned.record.id);
    return exitCode;
  } finally {
    if (stdin >= 0) closeSync(stdin);
    terminal?.restore();
    signals.stop();
  }
}

/** After the workload exited: its cgroup goes (saying if the OOM killer struck), then its record
 *  says how it ended, or everything goes with --rm. */
function finishRun(prepared: PreparedRun, made: Provisioned, code: number, remove: boolean): void {
  const { cgroup, name } = prepared;
  releaseNetwork(made.root, made.record.id, prepared.spec.annotations);
  let oomKilled = false;
  if (cgroup !== null) {
    oomKilled = driverFor(cgroup).oomKills(cgroup) > 0;
    removeCgroup(cgroup);
    if (oomKilled) log.error(`container ${name} was OOM-killed: it reached its memory limit (--memory)`);
  }
  // `minic rm -f` may have removed it while it ran: then there is nothing left to record.
  if (!existsSync(containerDir(made.root, made.record.id))) return;
  if (remove) {
    removeContainerFiles(made.root, made.record.id, name);
    return;
  }
  writeRecord(made.root, { ...made.record, status: "stopped", exitCode: code, finished: new Date().toISOString(), process: null, owner: null, cgroup: null, oomKilled });
  if (diskFull(made.root)) log.warn(`the disk holding ${made.root} is full: what container ${name} wrote last may be missing; its layer and record are kept`);
}

/** No block left for ordinary users: what a workload that filled the disk leaves behind. */
function diskFull(root: string): boolean {
  try {
    return statfsSync(root).bavail === 0;
  } catch {
    return false;
  }
}
