// Loading the native executor (built from native/*.c by `make`, embedded in the minic binary) and
// its entry points. What a plan contains is decided in src/plan/; how it is encoded, in
// src/plan/encode.ts against native/protocol.h.
import { dlopen, FFIType, linkSymbols, type Pointer, ptr } from "bun:ffi";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, fsyncSync } from "node:fs";
import { basename, join } from "node:path";
import executorLibrary from "./executor.so" with { type: "file" };

export interface NativeExecutor {
  /** Clone the child a job describes: its pid, or -errno. */
  spawn(job: Uint8Array): number;
  /** wait4 for a child spawned without a watch thread: its wait status, or -errno. */
  reap(pid: number): number;
  /** open(2) of `path` inside the directory fd `rootFd` as if it were "/" (RESOLVE_IN_ROOT). */
  openInRoot(rootFd: number, path: string, flags: number): number;
  /** An fd the child sent over the connected socket `sock` (SCM_RIGHTS), or -errno. */
  recvFd(sock: number): number;
  /** Start copying a terminal master to `out` (and `input` to it; -1 for none): a handle or -errno. */
  relayStart(master: number, input: number, out: number): number;
  /** Wait for a relay to copy the last byte. */
  relayJoin(handle: number): void;
  /** Send `fd` over a new connection to the unix socket at `path` (SCM_RIGHTS): 0 or -errno. */
  sendFd(path: string, fd: number): number;
  /** A connection to the unix socket at `path`, a stream or SOCK_SEQPACKET (conmon's attach socket): fd or -errno. */
  connectUnix(path: string, type: "stream" | "seqpacket"): number;
  /** A detached recursive copy of `path` seen through these uid_map/gid_map texts, or -errno. */
  idmappedTree(path: string, uidMap: string, gidMap: string): number;
  /** A detached mount of a new `fstype` file system with these fsconfig options and MOUNT_ATTR_*
   *  `attrs`, opened inside the network namespace `netnsFd` unless it is -1; fd or -errno. */
  detachedMount(fstype: string, options: [string, string][], netnsFd?: number, attrs?: number): number;
}

const SOCK_STREAM = 1;
const SOCK_SEQPACKET = 5;

let loaded: NativeExecutor | null = null;

/** The bytes of the embedded library, read only when the cached copy must be checked or made. */
function embedded(): Buffer {
  return readFileSync(executorLibrary);
}

/**
 * Where the dynamic loader can open the executor. Run from source, that is the built file itself.
 * In a compiled minic it is embedded under a $bunfs path the loader cannot open, so it is copied to
 * `cacheDir`, named by a hash of its content (the Makefile's --asset-naming). The copy is checked
 * against the embedded bytes before every load: a truncated or altered cache (a full disk, a
 * crash mid-copy) made every run die of SIGBUS until removed by hand.
 */
function executorPath(cacheDir: string): string {
  if (!executorLibrary.startsWith("/$bunfs/")) return executorLibrary;
  const libraryPath = join(cacheDir, basename(executorLibrary));
  if (existsSync(libraryPath)) {
    const expected = embedded();
    if (statSync(libraryPath).size === expected.length && readFileSync(libraryPath).equals(expected)) return libraryPath;
    rmSync(libraryPath, { force: true });
  }
  writeCache(libraryPath);
  return libraryPath;
}

function writeCache(libraryPath: string): void {
  const cacheDir = join(libraryPath, "..");
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  // Written aside, flushed and renamed: a concurrent minic must never load a half-written file.
  const temporary = `${libraryPath}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, embedded(), { mode: 0o600 });
    const fd = openSync(temporary, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, libraryPath);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  // Other versions' copies go; a minic that has one loaded keeps its mapping.
  for (const name of readdirSync(cacheDir)) {
    if (/^executor-[0-9a-z]+\.(so|c)$/.test(name) && join(cacheDir, name) !== libraryPath) rmSync(join(cacheDir, name), { force: true });
  }
}

/** Load the executor: dlopen costs about 0.2 ms; compiling it with TinyCC on every run cost 3 ms. */
export function loadExecutor(cacheDir: string): NativeExecutor {
  if (loaded) return loaded;
  const library = dlopen(executorPath(cacheDir), {
    minic_spawn: { args: ["ptr"], returns: "i64" },
    minic_reap: { args: ["i64"], returns: "i64" },
    minic_open_in_root: { args: ["i64", "ptr", "i64"], returns: "i64" },
    minic_terminal_entry_points: { args: ["ptr"], returns: "void" },
    minic_idmap_entry_points: { args: ["ptr"], returns: "void" },
  });
  const { minic_spawn, minic_reap, minic_open_in_root, minic_terminal_entry_points, minic_idmap_entry_points } = library.symbols;
  // Every symbol bun:ffi wraps costs start-up time (about 0.5 ms each), so the terminal's entry
  // points are wrapped only when a process has a terminal.
  let terminal: TerminalEntryPoints | null = null;
  const terminalEntryPoints = (): TerminalEntryPoints => {
    if (terminal) return terminal;
    const addresses = new BigUint64Array(5);
    minic_terminal_entry_points(ptr(addresses));
    const [recvFd = 0n, relayStart = 0n, relayJoin = 0n, sendFd = 0n, connectUnix = 0n] = addresses;
    const { symbols } = linkSymbols({
      recv_fd: { args: [FFIType.i64], returns: FFIType.i64, ptr: Number(recvFd) as Pointer },
      relay_start: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i64, ptr: Number(relayStart) as Pointer },
      relay_join: { args: [FFIType.i64], returns: FFIType.void, ptr: Number(relayJoin) as Pointer },
      send_fd: { args: [FFIType.ptr, FFIType.i64], returns: FFIType.i64, ptr: Number(sendFd) as Pointer },
      connect_unix: { args: [FFIType.ptr, FFIType.i64], returns: FFIType.i64, ptr: Number(connectUnix) as Pointer },
    });
    terminal = symbols as unknown as TerminalEntryPoints;
    return terminal;
  };
  // Likewise for a container in a user namespace of its own.
  let idmap: IdmapEntryPoints | null = null;
  const idmapEntryPoints = (): IdmapEntryPoints => {
    if (idmap) return idmap;
    const addresses = new BigUint64Array(2);
    minic_idmap_entry_points(ptr(addresses));
    const [idmappedTree = 0n, detachedMount = 0n] = addresses;
    const { symbols } = linkSymbols({
      idmapped_tree: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i64, ptr: Number(idmappedTree) as Pointer },
      detached_mount: { args: [FFIType.ptr, FFIType.ptr, FFIType.i64, FFIType.i64], returns: FFIType.i64, ptr: Number(detachedMount) as Pointer },
    });
    idmap = symbols as unknown as IdmapEntryPoints;
    return idmap;
  };
  /** C strings, kept referenced by the caller until the call returns. */
  const texts = (...values: string[]): Buffer[] => values.map((value) => Buffer.from(`${value}\0`));
  loaded = {
    spawn: (job) => Number(minic_spawn(ptr(job))),
    reap: (pid) => Number(minic_reap(pid)),
    openInRoot: (rootFd, path, flags) => Number(minic_open_in_root(rootFd, ptr(Buffer.from(`${path}\0`)), flags)),
    recvFd: (sock) => Number(terminalEntryPoints().recv_fd(sock)),
    relayStart: (master, input, out) => Number(terminalEntryPoints().relay_start(master, input, out)),
    relayJoin: (handle) => terminalEntryPoints().relay_join(handle),
    sendFd: (path, fd) => {
      const [socketPath] = texts(path);
      return Number(terminalEntryPoints().send_fd(ptr(socketPath!), fd));
    },
    connectUnix: (path, type) => {
      const [socketPath] = texts(path);
      return Number(terminalEntryPoints().connect_unix(ptr(socketPath!), type === "stream" ? SOCK_STREAM : SOCK_SEQPACKET));
    },
    idmappedTree: (path, uidMap, gidMap) => {
      const [p, u, g] = texts(path, uidMap, gidMap);
      return Number(idmapEntryPoints().idmapped_tree(ptr(p!), ptr(u!), ptr(g!)));
    },
    detachedMount: (fstype, options, netnsFd = -1, attrs = 0) => {
      // Key, value, key, value, ..., then an empty key.
      const [type, pairs] = texts(fstype, options.map(([key, value]) => `${key}\0${value}\0`).join(""));
      return Number(idmapEntryPoints().detached_mount(ptr(type!), ptr(pairs!), netnsFd, attrs));
    },
  };
  return loaded;
}

interface IdmapEntryPoints {
  idmapped_tree(path: Pointer, uidMap: Pointer, gidMap: Pointer): number | bigint;
  detached_mount(fstype: Pointer, options: Pointer, netnsFd: number, attrs: number): number | bigint;
}

interface TerminalEntryPoints {
  recv_fd(sock: number): number | bigint;
  relay_start(master: number, input: number, out: number): number | bigint;
  relay_join(handle: number): void;
  send_fd(path: Pointer, fd: number): number | bigint;
  connect_unix(path: Pointer, type: number): number | bigint;
}
