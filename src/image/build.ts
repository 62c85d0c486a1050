// `minic build`: a Dockerfile becomes a root filesystem. The engine builds an image, a container
// is created from it (never started), its filesystem is exported and extracted into DIR.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { MinicError } from "../errors.ts";
import { labelsFrom } from "../spec/labels.ts";
import { log } from "../log.ts";
import { humanSize } from "../units.ts";
import { followBuild } from "./build-stream.ts";
import { contextFiles, contextStream } from "./context.ts";
import { engineError, engineFetch, engineFromEnv, ping, type Engine } from "./engine.ts";
import { exportProgress } from "./export-progress.ts";
import { identify, isAlive } from "../process/identity.ts";
import { checkOutput, extractTar, removeAbandonedSiblings, replaceDir, temporarySibling, treeSize } from "./rootfs-output.ts";

export interface BuildOptions {
  /** The Dockerfile, relative to the working directory; null for Dockerfile.rootfs in the context. */
  file: string | null;
  context: string;
  output: string;
  tag: string | null;
  /** Raw --build-arg values: K=V, or K to copy K from minic's environment. */
  buildArgs: string[];
  /** The engine's network mode for RUN steps (default, host, none, ...); null for the engine's default. */
  network: string | null;
  /** A multi-stage Dockerfile's stage to stop at; null: the last. */
  target: string | null;
  noCache: boolean;
  pull: boolean;
  /** --label K=V values for the image. */
  labels: string[];
  quiet: boolean;
  force: boolean;
}

export const DEFAULT_DOCKERFILE = "Dockerfile.rootfs";
export const DEFAULT_OUTPUT = "./rootfs";

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

export function resolveBuildArgs(values: string[], env: Record<string, string | undefined>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    const key = eq === -1 ? value : value.slice(0, eq);
    if (key === "" || /\s/.test(key)) throw new MinicError(`invalid --build-arg "${value}": expected KEY=VALUE or KEY`);
    if (eq !== -1) args[key] = value.slice(eq + 1);
    else if (env[key] !== undefined) args[key] = env[key] ?? "";
  }
  return args;
}

interface Inputs {
  contextDir: string;
  dockerfile: string;
  output: string;
  buildArgs: Record<string, string>;
}

/** Everything that can be checked without an engine, so bad input fails before anything is made. */
function checkInputs(options: BuildOptions): Inputs {
  const contextDir = resolve(options.context);
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
    throw new MinicError(`the build context ${options.context} is not a directory`);
  }
  // As Docker does: -f is relative to where minic runs; the default is in the context.
  // As Docker looks for Dockerfile: minic's own name first, then Docker's.
  const file = options.file ?? (existsSync(join(options.context, DEFAULT_DOCKERFILE)) || !existsSync(join(options.context, "Dockerfile")) ? join(options.context, DEFAULT_DOCKERFILE) : join(options.context, "Dockerfile"));
  const dockerfile = resolve(file);
  if (!existsSync(dockerfile)) {
    throw new MinicError(`the Dockerfile ${file} does not exist`, undefined, `pass -f FILE, or put a ${DEFAULT_DOCKERFILE} or a Dockerfile in the context`);
  }
  if (!statSync(dockerfile).isFile()) throw new MinicError(`the Dockerfile ${file} is not a file`);
  const output = resolve(options.output);
  const within = (path: string): boolean => path === output || path.startsWith(`${output}/`);
  if (output === "/" || within(contextDir) || within(dockerfile) || within(process.cwd())) {
    throw new MinicError(`the output ${options.output} cannot be / or hold the build context, the Dockerfile or the current directory`);
  }
  checkOutput(output, options.force);
  return { contextDir, dockerfile, output, buildArgs: resolveBuildArgs(options.buildArgs, process.env) };
}

/** The context's tar stream, and the Dockerfile's name in it (one from outside is added under a private name). */
function buildContext(inputs: Inputs): { body: ReadableStream<Uint8Array>; dockerfileName: string } {
  const inside = relative(inputs.contextDir, inputs.dockerfile);
  if (!inside.startsWith("..") && !isAbsolute(inside)) {
    return { body: contextStream(contextFiles(inputs.contextDir, inside)), dockerfileName: inside };
  }
  // As Docker's client does, the engine is told to leave the added file out of COPY . through
  // the .dockerignore it is sent.
  const name = `.minic-dockerfile-${process.pid}`;
  const ignorePath = join(inputs.contextDir, ".dockerignore");
  const ignore = existsSync(ignorePath) ? readFileSync(ignorePath, "utf8") : "";
  const encoder = new TextEncoder();
  return {
    body: contextStream(
      contextFiles(inputs.contextDir, name).filter((file) => file.name !== ".dockerignore"),
      [
        { name, data: readFileSync(inputs.dockerfile) },
        { name: ".dockerignore", data: encoder.encode(`${ignore}${ignore.endsWith("\n") || ignore === "" ? "" : "\n"}${name}\n`) },
      ],
    ),
    dockerfileName: name,
  };
}

async function buildImage(engine: Engine, inputs: Inputs, options: BuildOptions, signal: AbortSignal): Promise<string> {
  const { body, dockerfileName } = buildContext(inputs);
  const query: Record<string, string> = { dockerfile: dockerfileName, rm: "1", forcerm: "1" };
  if (options.tag !== null) query.t = options.tag;
  if (options.network !== null) query.networkmode = options.network;
  if (Object.keys(inputs.buildArgs).length > 0) query.buildargs = JSON.stringify(inputs.buildArgs);
  if (options.target !== null) query.target = options.target;
  if (options.noCache) query.nocache = "1";
  if (options.pull) query.pull = "1";
  if (options.labels.length > 0) query.labels = JSON.stringify(labelsFrom(options.labels));
  const response = await engineFetch(engine, "/build", { method: "POST", query, body, contentType: "application/x-tar", signal });
  if (!response.ok || response.body === null) throw new MinicError(`the build failed: ${await engineError(response)}`);
  return followBuild(response.body, { line: (text) => log.info(text) }, options.quiet);
}

const PURPOSE_LABEL = "org.minic.purpose";
const OWNER_LABEL = "org.minic.owner";

async function createContainer(engine: Engine, image: string): Promise<string> {
  // Never started: it only gives the image's filesystem a name to export. An image imported
  // without CMD cannot be created without one, so one is given. The owner label lets a later
  // build remove it if this minic is killed before it can.
  const owner = identify(process.pid);
  const response = await engineFetch(engine, "/containers/create", {
    method: "POST",
    body: JSON.stringify({
      Image: image,
      Cmd: ["/bin/sh"],
      Labels: { [PURPOSE_LABEL]: "export", [OWNER_LABEL]: owner ? `${owner.pid}:${owner.startTime}` : "" },
    }),
    contentType: "application/json",
  });
  const text = await response.text();
  if (!response.ok) throw new MinicError(`creating a container to export failed: ${text.trim()}`);
  const id: unknown = JSON.parse(text).Id;
  if (typeof id !== "string") throw new MinicError("creating a container to export failed: the engine gave no id");
  return id;
}

/** Export containers whose minic died (SIGKILL) before it could remove them; only on a local engine. */
async function removeAbandonedExports(engine: Engine): Promise<void> {
  if (engine.socket === null) return;
  const response = await engineFetch(engine, "/containers/json", {
    query: { all: "1", filters: JSON.stringify({ label: [`${PURPOSE_LABEL}=export`] }) },
  });
  if (!response.ok) return void (await response.text());
  const containers = (await response.json()) as { Id: string; Labels?: Record<string, string> }[];
  for (const container of containers) {
    const [pid = "", startTime = ""] = (container.Labels?.[OWNER_LABEL] ?? "").split(":");
    if (!isAlive({ pid: Number(pid), startTime })) await removeContainer(engine, container.Id);
  }
}

async function removeContainer(engine: Engine, id: string): Promise<void> {
  try {
    const response = await engineFetch(engine, `/containers/${id}`, { method: "DELETE", query: { force: "1", v: "1" } });
    if (!response.ok && response.status !== 404) log.warn(`could not remove the temporary container ${id.slice(0, 12)}: ${await engineError(response)}`);
    else await response.text();
  } catch (error) {
    log.warn(`could not remove the temporary container ${id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The image's configuration (ENTRYPOINT, CMD, ENV, ...), which `minic run` applies. */
async function imageConfig(engine: Engine, image: string): Promise<unknown> {
  const response = await engineFetch(engine, `/images/${encodeURIComponent(image)}/json`);
  if (!response.ok) throw new MinicError(`reading the image's configuration failed: ${await engineError(response)}`);
  const inspected = (await response.json()) as { Config?: unknown };
  return inspected.Config ?? {};
}

async function exportInto(engine: Engine, id: string, target: string, options: BuildOptions, signal: AbortSignal): Promise<number> {
  const response = await engineFetch(engine, `/containers/${id}/export`, { signal });
  if (!response.ok || response.body === null) throw new MinicError(`exporting the container failed: ${await engineError(response)}`);
  const progress = exportProgress(process.stderr, options.quiet);
  try {
    await extractTar(response.body.pipeThrough(progress.counter), target, options.output);
  } finally {
    progress.finish();
  }
  return progress.bytes();
}

/** The closing summary. The rootfs is already in place, so a failure to count it is only a warning. */
function reportSize(shown: string, dir: string, started: number): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  try {
    const size = treeSize(dir);
    log.success(`rootfs ${shown}: ${humanSize(size.bytes)} in ${size.files} files, built in ${seconds}s`);
  } catch (error) {
    log.warn(`rootfs ${shown} was built in ${seconds}s, but its size could not be counted: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Build `options.file` and leave its filesystem at `options.output`; returns the image's id. */
export async function buildRootfs(options: BuildOptions): Promise<string> {
  const started = performance.now();
  const inputs = checkInputs(options);
  const engine = engineFromEnv(process.env.DOCKER_HOST);
  await ping(engine);
  removeAbandonedSiblings(inputs.output);
  await removeAbandonedExports(engine);

  const abort = new AbortController();
  let stoppedBy: StopSignal | null = null;
  const stop = (signal: StopSignal) => () => {
    stoppedBy = signal;
    abort.abort();
  };
  const handlers = (Object.keys(SIGNAL_NUMBERS) as StopSignal[]).map((signal) => [signal, stop(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);

  let container: string | null = null;
  const staging = temporarySibling(inputs.output, "partial");
  try {
    const image = await buildImage(engine, inputs, options, abort.signal);
    if (!options.quiet) log.info(`exporting ${image.replace(/^sha256:/, "").slice(0, 12)} to ${options.output}`);
    if (abort.signal.aborted) throw new Error("interrupted");
    const config = await imageConfig(engine, image);
    container = await createContainer(engine, image);
    mkdirSync(dirname(inputs.output), { recursive: true });
    await exportInto(engine, container, staging, options, abort.signal);
    if (abort.signal.aborted) throw new Error("interrupted");
    replaceDir(staging, inputs.output, { image, dockerfile: inputs.dockerfile, built: new Date().toISOString(), config });
    // -q: nothing but errors on stderr; the image's id goes to stdout, as docker build -q prints it.
    if (!options.quiet) reportSize(options.output, inputs.output, started);
    return image;
  } catch (error) {
    if (stoppedBy !== null) {
      throw new MinicError(`build interrupted by ${stoppedBy}: ${options.output} was left as it was`, 128 + SIGNAL_NUMBERS[stoppedBy]);
    }
    throw error;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    rmSync(staging, { recursive: true, force: true });
    if (container !== null) await removeContainer(engine, container);
  }
}
