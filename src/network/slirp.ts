// A rootless container's network: a namespace of its own, made with its user namespace, behind
// slirp4netns (Debian's package), a user-mode TCP/IP stack run as the user. It joins the
// namespace, brings up tap0 at 10.0.2.100 (gateway and host 10.0.2.2, DNS forwarder 10.0.2.3),
// and forwards published ports from the host through its API socket. podman 4 and rootless
// Docker use it; pasta, podman 5's, is faster for bulk traffic, but Debian 12's is a 2023
// snapshot, and slirp4netns's API makes the ports a request each. It does not end with the
// container: minic stops it on every stop path (releaseNetwork), by its recorded pid.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NativeExecutor } from "../../native/executor.ts";
import { close, pipe, shutdownWrite, strerror, writeAll } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";
import { identify, isAlive } from "../process/identity.ts";
import type { PortMapping } from "../spec/ports.ts";
import type { ProcessIdentity } from "../state/store.ts";

export const SLIRP_ADDRESS = "10.0.2.100";
export const SLIRP_GATEWAY = "10.0.2.2";

interface SlirpRecord {
  process: ProcessIdentity;
  socket: string;
}

function recordPath(dir: string): string {
  return join(dir, "slirp4netns.json");
}

/**
 * The API socket: short, as a unix socket's path must be (108 bytes), so not in the container's
 * directory; runtime state, so in $XDG_RUNTIME_DIR/minic when the session has one (as podman's
 * runroot is), else in the state directory.
 */
function socketDir(root: string): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime !== undefined && runtime !== "" && existsSync(runtime) ? join(runtime, "minic", "slirp") : join(root, "slirp");
}

function socketPath(root: string, id: string): string {
  return join(socketDir(root), `${id.slice(0, 12)}.sock`);
}

/**
 * Start slirp4netns for the child `pid` (its namespaces made, waiting before its setup) and
 * forward `ports`; returns once the network is up. Undone on failure.
 */
export function startSlirp(executor: NativeExecutor, root: string, id: string, dir: string, pid: number, ports: PortMapping[], tiedToThisProcess: boolean): void {
  const socket = socketPath(root, id);
  mkdirSync(socketDir(root), { recursive: true, mode: 0o700 });
  rmSync(socket, { force: true });
  const logPath = join(dir, "slirp4netns.log");
  const log = openSync(logPath, "w", 0o600);
  // A blocking pipe of our own: slirp4netns writes "1" to it once the network is up.
  const ready = pipe();
  // A foreground run's network ends with it, however it ends (SIGKILL too): slirp4netns exits
  // when the write end, which only this process holds, closes.
  const exit = tiedToThisProcess ? pipe() : null;
  let child: ReturnType<typeof Bun.spawn>;
  try {
    // setsid: a Ctrl-C at the terminal is the container's to get, not its network's.
    child = Bun.spawn(["setsid", "slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp", "--ready-fd=3", ...(exit === null ? [] : ["--exit-fd=4"]), "--api-socket", socket, String(pid), "tap0"], {
      stdio: ["ignore", log, log, ready.writeEnd, ...(exit === null ? [] : [exit.readEnd])],
    });
  } catch (error) {
    close(ready.readEnd);
    if (exit !== null) close(exit.writeEnd);
    throw error;
  } finally {
    closeSync(log);
    close(ready.writeEnd);
    if (exit !== null) close(exit.readEnd);
  }
  child.unref();
  let got = 0;
  try {
    got = readSync(ready.readEnd, Buffer.alloc(1));
  } catch {
    got = 0;
  } finally {
    close(ready.readEnd);
  }
  if (got !== 1) {
    // Its last words reach the log as it exits: wait for that (a second at most).
    const started = identify(child.pid);
    for (let waited = 0; waited < 1000 && isAlive(started); waited += 10) Bun.sleepSync(10);
    const said = lastLine(logPath, /^(WARNING|child failed)/);
    child.kill("SIGKILL");
    rmSync(socket, { force: true });
    if (/failed to execute slirp4netns/.test(said)) {
      throw new MinicError("a rootless container's network needs slirp4netns, which is not installed; --network none or host needs none", undefined, "apt-get install slirp4netns");
    }
    throw new MinicError(`slirp4netns could not set up the container's network: ${said}`, undefined, /net\/tun/.test(said) ? "slirp4netns needs /dev/net/tun readable and writable by users (mode 0666, as udev makes it)" : undefined);
  }
  const identity = identify(child.pid);
  if (identity === null) throw new MinicError("slirp4netns ended as soon as it was ready");
  writeFileSync(recordPath(dir), JSON.stringify({ process: identity, socket } satisfies SlirpRecord));
  try {
    for (const port of ports) forwardPort(executor, socket, port);
  } catch (error) {
    stopSlirp(dir);
    throw error;
  }
}

/** The last line of a log that is not `noise`. */
function lastLine(path: string, noise: RegExp): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").filter((line) => line !== "" && !noise.test(line)).pop() ?? "";
  } catch {
    return "";
  }
}

/** add_hostfwd through the API socket: one request a connection, written at once, then EOF. */
function forwardPort(executor: NativeExecutor, socket: string, port: PortMapping): void {
  // Its API needs "proto" always (without it slirp4netns 1.2 crashes).
  const request = { execute: "add_hostfwd", arguments: { proto: port.protocol, host_addr: port.hostIP || "0.0.0.0", host_port: port.hostPort, guest_addr: SLIRP_ADDRESS, guest_port: port.containerPort } };
  const reply = apiRequest(executor, socket, JSON.stringify(request));
  if (!/"return"/.test(reply)) {
    const desc = /"desc"\s*:\s*"([^"]*)"/.exec(reply)?.[1] ?? reply;
    throw new MinicError(`cannot publish ${port.hostIP || "0.0.0.0"}:${port.hostPort} -> ${port.containerPort}/${port.protocol}: ${desc}`, undefined, port.hostPort < 1024 ? "a rootless container publishes ports from 1024 up (net.ipv4.ip_unprivileged_port_start)" : "is the port in use?");
  }
}

function apiRequest(executor: NativeExecutor, socket: string, request: string): string {
  const fd = executor.connectUnix(socket, "stream");
  if (fd < 0) throw new MinicError(`cannot reach slirp4netns's API socket ${socket}: ${strerror(-fd)}`);
  try {
    writeAll(fd, new TextEncoder().encode(request));
    shutdownWrite(fd);
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(4096);
    for (;;) {
      const n = readSync(fd, buffer);
      if (n <= 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Stop the container's slirp4netns, if it still runs (its ports go with it); idempotent. */
export function stopSlirp(dir: string): void {
  let record: SlirpRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(dir), "utf8")) as SlirpRecord;
  } catch {
    return;
  }
  if (isAlive(record.process)) {
    try {
      process.kill(record.process.pid, "SIGKILL");
    } catch {
      // ended meanwhile
    }
  }
  rmSync(record.socket, { force: true });
  rmSync(recordPath(dir), { force: true });
}

/** Whether the container's slirp4netns was started and not yet stopped. */
export function holdsSlirp(dir: string): boolean {
  return existsSync(recordPath(dir));
}
