// `minic attach`: this terminal joined to a detached container's stdio through conmon's attach
// socket (SOCK_SEQPACKET: each packet conmon sends is one stream's bytes after a byte naming the
// stream, 2 stdout, 3 stderr; what is written to it is the container's stdin). The detach keys
// (ctrl-p ctrl-q) leave it running; its end ends the attach, with its exit code.
import { closeSync, constants, existsSync, openSync, read, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { getWindowSize, isatty, makeRaw, restoreTerminal, type SavedTerminal } from "../../native/termios.ts";
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import { executorIn } from "../process/executor.ts";
import type { Spec } from "../spec/types.ts";
import { detachedBundleDir, findContainer, readSpec, stateRoot } from "../state/store.ts";
import { shutdownSocket, strerror } from "../../native/libc.ts";
import { waitContainers } from "./stop.ts";
import { writeStderr } from "../output.ts";

const STDOUT_PIPE = 2;
const STDERR_PIPE = 3;
/** conmon's packets are at most this (its buffer, plus the stream byte). */
const PACKET = 8193;

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** Docker's --detach-keys: `ctrl-<letter>` or single characters, comma-separated. */
export function parseDetachKeys(text: string): number[] {
  return text.split(",").map((key) => {
    const ctrl = /^ctrl-([a-z@\[\\\]^_])$/.exec(key);
    if (ctrl !== null) return (ctrl[1] ?? "").toUpperCase().charCodeAt(0) & 0x1f;
    if (key.length === 1) return key.charCodeAt(0);
    throw new MinicError(`invalid --detach-keys "${text}": expected keys such as ctrl-p,ctrl-q`);
  });
}

export interface AttachOptions {
  /** Send this terminal's input to the container's stdin. */
  stdin: boolean;
  detachKeys: number[];
}

/** Attach until the container ends (its exit code) or the detach keys are typed (null). */
export async function attachContainer(ref: string, options: AttachOptions): Promise<number | null> {
  const record = findContainer(stateRoot(), ref);
  if (record.status !== "running" || !isAlive(record.process)) throw new MinicError(`cannot attach to container ${ref}: it is not running`);
  return relayAttached(openAttach(record.id, ref), options);
}

/** A connection to a container's monitor, made before it runs (start -a) or while it runs. */
export interface AttachSession {
  id: string;
  fd: number;
  bundle: string;
  terminal: boolean;
}

export function openAttach(id: string, ref: string): AttachSession {
  const root = stateRoot();
  const bundle = detachedBundleDir(root, id);
  const socketPath = join(bundle, "attach");
  if (!existsSync(socketPath)) {
    throw new MinicError(`cannot attach to container ${ref}: only a detached container (run -d) has a monitor to attach to`);
  }
  // Reached through the bundle's fd: a socket's path may have at most 107 bytes, and a rootless
  // user's bundle (~/.local/share/minic/bundles/ID) is longer than that for most home directories.
  // conmon binds it the same way.
  const dir = openSync(bundle, constants.O_RDONLY | constants.O_DIRECTORY);
  let fd: number;
  try {
    fd = executorIn(root).connectUnix(`/proc/self/fd/${dir}/attach`, "seqpacket");
  } finally {
    closeSync(dir);
  }
  if (fd < 0) throw new MinicError(`cannot attach to container ${ref}: ${strerror(-fd)}`);
  return { id, fd, bundle, terminal: (readSpec(root, id) as Pick<Spec, "process">).process.terminal };
}

/** Copy both ways until the container ends (its exit code) or the detach keys (null). */
export async function relayAttached(session: AttachSession, options: AttachOptions): Promise<number | null> {
  const { fd, bundle, terminal } = session;
  let saved: SavedTerminal | null = null;
  if (terminal && options.stdin && isatty(0)) {
    saved = makeRaw(0);
    const size = getWindowSize(0);
    // conmon's control fifo: message 1 is a resize, height then width.
    if (size !== null) writeFileSync(join(bundle, "ctl"), `1 ${size.rows} ${size.columns}\n`);
  }
  let detached = false;
  const input = options.stdin ? relayInput(fd, options.detachKeys, () => (detached = true)) : null;
  try {
    await relayOutput(fd, () => detached);
  } finally {
    input?.stop();
    if (saved !== null) restoreTerminal(0, saved);
    closeSync(fd);
  }
  if (detached) return null;
  const [code] = await waitContainers([session.id]);
  return code ?? 0;
}

/** Copy conmon's packets to stdout and stderr until it closes the socket (or we detach). */
function relayOutput(fd: number, stopped: () => boolean): Promise<void> {
  const buffer = Buffer.alloc(PACKET);
  return new Promise((resolve, reject) => {
    const next = (): void => {
      if (stopped()) return resolve();
      read(fd, buffer, 0, PACKET, null, (error, n) => {
        if (error !== null) return stopped() ? resolve() : reject(new MinicError(`attach: ${error.message}`));
        if (n === 0) return resolve();
        const stream = buffer[0] === STDERR_PIPE ? 2 : buffer[0] === STDOUT_PIPE ? 1 : 0;
        if (stream !== 0) writeSync(stream, buffer.subarray(1, n));
        next();
      });
    };
    next();
  });
}

/**
 * This process's stdin to the container, a packet per chunk, watching for the detach keys: once
 * typed in order, the attach ends and the container runs on. A detach shuts the socket so the
 * output relay's pending read ends.
 */
function relayInput(fd: number, keys: number[], detach: () => void): { stop(): void } {
  let matched = 0;
  const onData = (chunk: Buffer): void => {
    let forward = chunk;
    for (let i = 0; i < chunk.length; i++) {
      matched = chunk[i] === keys[matched] ? matched + 1 : chunk[i] === keys[0] ? 1 : 0;
      if (matched === keys.length) {
        detach();
        writeStderr("\r\nread escape sequence\r\n");
        forward = chunk.subarray(0, Math.max(0, i + 1 - keys.length));
        if (forward.length > 0) writeSync(fd, forward);
        stop();
        shutdownSocket(fd);
        return;
      }
    }
    if (forward.length > 0) writeSync(fd, forward);
  };
  const stop = (): void => {
    process.stdin.off("data", onData);
    process.stdin.pause();
  };
  process.stdin.on("data", onData);
  return { stop };
}
