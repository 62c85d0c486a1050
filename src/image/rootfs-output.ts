// Where a build's filesystem lands: extracted by the system's tar into a hidden sibling of DIR
// and renamed over DIR only once complete, so an interrupted build never leaves half a rootfs.
import { spawn } from "bun";
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { MinicError } from "../errors.ts";
import { log } from "../log.ts";
import { processStartTime } from "../process/identity.ts";
import { close, pipe, SystemError, writeAll } from "../../native/libc.ts";
import { buildUserNamespacePlan } from "../plan/plan.ts";
import { exitCodeOf, startChild, type Child } from "../process/spawn.ts";
import { rootlessUser, type RootlessUser } from "../container/rootless.ts";
import { stateRoot } from "../state/store.ts";

import { ROOTFS_MARKER, type RootfsRecord } from "./rootfs-record.ts";

/** Refuse an output that is a file, or a directory with content minic did not make (without --force). */
export function checkOutput(dir: string, force: boolean): void {
  let stats;
  try {
    stats = lstatSync(dir);
  } catch {
    return; // not there yet: fine
  }
  if (stats.isSymbolicLink()) throw new MinicError(`the output ${dir} is a symbolic link: give the directory itself`);
  if (!stats.isDirectory()) throw new MinicError(`the output ${dir} is a file, not a directory`);
  if (force || existsSync(join(dir, ROOTFS_MARKER)) || readdirSync(dir).length === 0) return;
  throw new MinicError(`the output ${dir} exists and was not made by minic build`, undefined, "pass --force to replace it");
}

export function temporarySibling(dir: string, purpose: string): string {
  return join(dirname(dir), `.${basename(dir)}.minic-${purpose}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`);
}

/** Temporary siblings of `dir` left by a minic that was killed (SIGKILL) mid-build. */
export function removeAbandonedSiblings(dir: string): void {
  const prefix = `.${basename(dir)}.minic-`;
  let names: string[];
  try {
    names = readdirSync(dirname(dir));
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^(partial|old)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !match) continue;
    if (processStartTime(Number(match[2])) === null) rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
}

/**
 * Extract a tar stream into `target` with the system's tar, as root: owners by number, modes,
 * symlinks, hard links and device nodes as they are in the archive. Rootless, as root of a user
 * namespace with the user's maps, without the device nodes.
 */
export async function extractTar(stream: ReadableStream<Uint8Array>, target: string, outputDir: string): Promise<void> {
  mkdirSync(target, { recursive: true, mode: 0o755 });
  const args = ["tar", "-x", "-p", "--numeric-owner", "-f", "-", "-C", target] as const;
  const rootless = rootlessUser();
  const { code, stderr } = rootless === null ? await extractAsRoot(stream, [...args]) : await extractInUserNamespace(stream, [...args], rootless);
  if (code === 0) return;
  // As the container's root, tar may not make device nodes: a rootless container has the host's bound instead.
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  const skipped = lines.filter((line) => /Cannot mknod: Operation not permitted/.test(line));
  if (rootless !== null && skipped.length > 0 && lines.every((line) => skipped.includes(line) || /Exiting with failure status due to previous errors/.test(line))) {
    log.warn(`${skipped.length} device node(s) of the image were not made (${skipped.map((line) => line.split(":")[1]?.trim() ?? "").join(", ")}): a rootless build cannot make them, and a rootless container gets the host's bound instead`);
    return;
  }
  const firstError = stderr.split("\n").find((line) => line.trim() !== "") ?? `tar exited with ${code}`;
  if (/No space left on device/i.test(stderr)) {
    throw new MinicError(`no space left on device while writing the rootfs for ${outputDir}`);
  }
  throw new MinicError(`extracting the exported filesystem failed: ${firstError.replace(/^tar: /, "")}`);
}

async function extractAsRoot(stream: ReadableStream<Uint8Array>, args: string[]): Promise<{ code: number; stderr: string }> {
  const tar = spawn(args, { stdin: stream, stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([tar.exited, new Response(tar.stderr).text()]);
  return { code, stderr };
}

/**
 * Rootless: tar runs as root of a user namespace with the user's maps, so the archive's owners land
 * as the ids a rootless container sees them as (root as the user, uid 1 as their first subordinate
 * id, ...), which the user alone could not chown to.
 */
async function extractInUserNamespace(stream: ReadableStream<Uint8Array>, args: string[], user: RootlessUser): Promise<{ code: number; stderr: string }> {
  const input = pipe();
  const errors = join(dirname(args[args.length - 1] ?? "."), `.minic-tar-errors-${process.pid}`);
  const errorFd = openSync(errors, "w", 0o600);
  try {
    let child: Child;
    try {
      child = startChild(buildUserNamespacePlan(user, [args[0] ?? "tar", ...args.slice(1)]), stateRoot(), { watch: true, shareMemory: false, dieWithParent: true, stdio: [input.readEnd, -1, errorFd] });
    } catch (error) {
      close(input.writeEnd);
      throw error;
    } finally {
      close(input.readEnd);
    }
    try {
      child.release();
    } catch (error) {
      close(input.writeEnd);
      throw error;
    }
    try {
      for await (const chunk of stream) writeAll(input.writeEnd, chunk);
    } catch (error) {
      if (!(error instanceof SystemError && error.errno === EPIPE)) throw error;
    } finally {
      close(input.writeEnd);
    }
    const status = (await child.exited) ?? 0;
    return { code: exitCodeOf(status), stderr: readFileSync(errors, "utf8") };
  } finally {
    closeSync(errorFd);
    rmSync(errors, { force: true });
  }
}

const EPIPE = 32;

/** Put the finished `built` tree at `dir`, replacing what was there. */
export function replaceDir(built: string, dir: string, record: RootfsRecord): void {
  writeFileSync(join(built, ROOTFS_MARKER), `${JSON.stringify(record, null, 2)}\n`);
  if (!existsSync(dir)) {
    renameSync(built, dir);
    return;
  }
  const old = temporarySibling(dir, "old");
  renameSync(dir, old);
  try {
    renameSync(built, dir);
  } catch (error) {
    renameSync(old, dir);
    throw error;
  }
  // The new rootfs is in place: what is left of the old one must not fail the build.
  try {
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    log.warn(`could not remove the previous rootfs, left at ${old}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const SLASH = Buffer.from("/");

/**
 * Bytes (lstat sizes) and entries under `dir`, `dir` itself not counted. Nothing is followed: a
 * rootfs's symlinks mean paths in the container (`/dev/fd -> /proc/self/fd`), and followed on the
 * host they loop or count the host's files. Names stay bytes, as an image may hold names that are
 * not UTF-8 and would not survive a round trip through a string.
 */
export function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const pending = [Buffer.from(dir)];
  for (let parent = pending.pop(); parent !== undefined; parent = pending.pop()) {
    for (const name of readdirSync(parent, { encoding: "buffer" })) {
      const path = Buffer.concat([parent, SLASH, name]);
      const stats = lstatSync(path);
      bytes += stats.size;
      files += 1;
      if (stats.isDirectory()) pending.push(path);
    }
  }
  return { bytes, files };
}
