// `minic run -d` and `minic create`: the container outlives the command, watched by conmon (the
// monitor podman and CRI-O use, about 1-2 MB where a Bun process would take 40). minic writes the
// container's bundle and starts conmon with itself as the OCI runtime; conmon runs `minic create`
// (runc's) on that bundle, holds the container's stdio (its log, its terminal), reaps it, writes
// its exit status, and runs `minic cleanup` when it exits. `run -d` then starts it.
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MinicError } from "../errors.ts";
import { close, pipe } from "../../native/libc.ts";
import type { RunOptions } from "../spec/run-options.ts";
import { containerDir, detachedBundleDir, findContainer, readSpec, stateRoot, type ContainerRecord } from "../state/store.ts";
import { releaseRanges } from "../state/id-ranges.ts";
import { NETWORK_ANNOTATION, STDIN_ANNOTATION } from "../spec/from-run-flags.ts";
import { networkContainer, type NetworkMode } from "../spec/run-options.ts";
import { isAlive } from "../process/identity.ts";
import type { Spec } from "../spec/types.ts";
import { NAME_ANNOTATION, OVERLAY_ANNOTATION } from "./bundle.ts";
import { prepareRun } from "./run.ts";
import { startContainers } from "./start.ts";
import { exitCodeOfSetupLine } from "./setup-error.ts";

/** Where conmon keeps a detached container's output, in Kubernetes' log format. */
export function detachedLogPath(bundle: string): string {
  return join(bundle, "ctr.log");
}

/** The file conmon writes the container's exit status to. */
export function exitFilePath(bundle: string, id: string): string {
  return join(bundle, id);
}

function conmonPath(): string {
  const found = Bun.which("conmon");
  if (found === null) throw new MinicError("conmon is not installed: minic run -d needs it to watch the container", undefined, "apt-get install conmon");
  return found;
}

/** Create and start the container under conmon; its id once its process runs. */
export async function runDetached(options: RunOptions): Promise<string> {
  const id = await createDetached(options);
  await startContainers([id]);
  return id;
}

/**
 * The container created under conmon and parked before its process runs (`minic create`, and
 * the first half of `run -d`); its id. `minic start` lets it go.
 */
export async function createDetached(options: RunOptions): Promise<string> {
  const conmon = conmonPath();
  // -i keeps the container's stdin open through conmon; there is no terminal here to check.
  // The /etc files go into the bundle, which exists before `create` makes the container's directory.
  const prepared = prepareRun({ ...options, interactive: false }, detachedBundleDir);
  const root = stateRoot();
  const { id, name, spec } = prepared;
  const bundle = detachedBundleDir(root, id);
  const annotations: Record<string, string> = { ...spec.annotations, [NAME_ANNOTATION]: name, [OVERLAY_ANNOTATION]: "true" };
  try {
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    for (const [file, content] of Object.entries(prepared.etcFiles)) writeFileSync(join(bundle, file), content, { mode: 0o644 });
    await createUnderMonitor(conmon, { id, name, bundle, tty: options.tty, interactive: options.interactive, remove: options.remove }, { ...spec, annotations });
  } catch (error) {
    // `create` failed (and took back what it made) or never ran: conmon ends once it has said
    // so, and only the bundle is left.
    await monitorGone(bundle);
    rmSync(bundle, { recursive: true, force: true });
    // A --userns=auto claim is given back if no container was made to hold it.
    if (!existsSync(containerDir(root, id))) releaseRanges(root, id);
    throw error;
  }
  return id;
}

/**
 * Wait (a few seconds at most) until no conmon of `bundle` runs: after a failed create it still
 * runs its exit command before it ends (and it may have removed its pid file by then).
 */
async function monitorGone(bundle: string): Promise<void> {
  const monitors = (): boolean =>
    readdirSync("/proc").some((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        return stat.includes("(conmon) ") && !stat.includes(") Z") && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(bundle);
      } catch {
        return false;
      }
    });
  const deadline = Date.now() + 3000;
  while (monitors() && Date.now() < deadline) await Bun.sleep(10);
}

/** Write the bundle's config.json and have conmon run `minic create` on it. */
async function createUnderMonitor(conmon: string, settings: MonitorSettings, spec: Spec): Promise<void> {
  mkdirSync(settings.bundle, { recursive: true, mode: 0o700 });
  writeFileSync(join(settings.bundle, "config.json"), JSON.stringify(spec));
  const pid = await startMonitor(conmon, settings);
  if (pid <= 0) throw new MinicError("conmon reported no container process");
}

/**
 * A stopped container of minic's own made again under conmon from its stored spec, with its
 * writable layer, name and log: `create` parks it, and `start` lets it go as for a new one.
 */
export async function createAgain(record: ContainerRecord): Promise<void> {
  const conmon = conmonPath();
  const root = stateRoot();
  const stored = readSpec(root, record.id) as Spec;
  const spec = withJoinedNetworkNow(root, stored);
  const annotations = { ...spec.annotations, [NAME_ANNOTATION]: record.name, [OVERLAY_ANNOTATION]: "true" };
  const bundle = detachedBundleDir(root, record.id);
  rmSync(exitFilePath(bundle, record.id), { force: true });
  const interactive = spec.annotations[STDIN_ANNOTATION] === "true";
  await createUnderMonitor(conmon, { id: record.id, name: record.name, bundle, tty: spec.process.terminal, interactive, remove: false }, { ...spec, annotations });
}

/**
 * `--network container:NAME` names a container, not a process: the namespace is that
 * container's init's as it is now (a pid from before may be anyone's by then).
 */
function withJoinedNetworkNow(root: string, spec: Spec): Spec {
  const joined = networkContainer((spec.annotations[NETWORK_ANNOTATION] ?? "host") as NetworkMode);
  if (joined === null) return spec;
  const peer = findContainer(root, joined);
  if (peer.status !== "running" || !isAlive(peer.process)) throw new MinicError(`--network container:${joined}: container ${joined} is not running`);
  const path = `/proc/${peer.process?.pid ?? 0}/ns/net`;
  return { ...spec, linux: { ...spec.linux, namespaces: spec.linux.namespaces.map((ns) => (ns.type === "network" ? { type: "network", path } : ns)) } };
}

interface MonitorSettings {
  id: string;
  name: string;
  bundle: string;
  tty: boolean;
  interactive: boolean;
  remove: boolean;
}

/**
 * Start conmon and wait for its report on the sync pipe (_OCI_SYNCPIPE, fd 3 in conmon): a JSON
 * line `{"data": PID}` once `minic create` has parked the container, or `{"data": -1, "message":
 * ...}` with create's error. conmon's first process exits at once; the second watches on.
 */
async function startMonitor(conmon: string, settings: MonitorSettings): Promise<number> {
  const { id, name } = settings;
  // Absolute: conmon runs in it, and a relative MINIC_ROOT would be taken from there again.
  const bundle = resolve(settings.bundle);
  const minic = process.execPath;
  const args = [
    "--api-version", "1", "-c", id, "-u", id, "-n", name, "-r", minic, "-b", bundle,
    "-p", join(bundle, "pidfile"), "-l", `k8s-file:${detachedLogPath(bundle)}`, "--exit-dir", bundle,
    // Where conmon keeps what it notes (an `oom` file when the OOM killer strikes): the bundle,
    // never the caller's working directory, conmon's default.
    "--persist-dir", bundle,
    "--conmon-pidfile", join(bundle, "conmon.pid"), "--full-attach", "--log-level", "warning",
    "--exit-command", minic, "--exit-command-arg", "cleanup", ...(settings.remove ? ["--exit-command-arg", "--rm"] : []), "--exit-command-arg", id,
    // -i: stdin stays open when an attached client goes, as Docker's does.
    ...(settings.tty ? ["-t"] : []), ...(settings.interactive ? ["-i", "--leave-stdin-open"] : []),
  ];
  const sync = pipe();
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn([conmon, ...args], {
      cwd: bundle,
      stdio: ["ignore", "ignore", "pipe", sync.writeEnd],
      env: { ...process.env, _OCI_SYNCPIPE: "3" },
    });
  } finally {
    close(sync.writeEnd);
  }
  const [stderr, code] = await Promise.all([new Response(child.stderr as ReadableStream).text(), child.exited]);
  if (code !== 0) {
    close(sync.readEnd);
    throw new MinicError(`conmon failed: ${stderr.trim().split("\n").pop() ?? `exit status ${code}`}`);
  }
  const report = readLine(sync.readEnd);
  if (report === "") throw new MinicError("conmon exited without reporting the container");
  let parsed: { data?: unknown; message?: unknown };
  try {
    parsed = JSON.parse(report) as { data?: unknown; message?: unknown };
  } catch {
    throw new MinicError(`conmon's report is not JSON: ${report}`);
  }
  if (typeof parsed.data !== "number" || parsed.data < 0) {
    // The message is `minic create`'s own error line, as it wrote it to the stderr conmon reads.
    const message = typeof parsed.message === "string" ? parsed.message.trim().split("\n").filter((line) => line !== "").pop() ?? "" : "";
    const line = message.replace(/^minic: /, "") || "the container could not be created";
    throw new MinicError(line, exitCodeOfSetupLine(line));
  }
  return parsed.data;
}

/** One line from a pipe, blocking until it ends or the writer closes it. */
function readLine(fd: number): string {
  const buffer = new Uint8Array(4096);
  let text = "";
  try {
    while (!text.includes("\n")) {
      const n = readSync(fd, buffer);
      if (n === 0) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return text.split("\n")[0] ?? "";
}
