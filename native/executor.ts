// The bridge to ffi/executor.c: the operation types the native executor understands,
// their binary encoding, and the two entry points (spawn a child that runs a plan,
// watch a pid's exit). What a plan contains is decided in src/plan.ts, not here.
import { dlopen, FFIType, linkSymbols, type Pointer, ptr } from "bun:ffi";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
// Built from executor.c by `make` (ffi/executor.so) and embedded in the minic binary.
import executorLibrary from "./executor.so" with { type: "file" };

export const MOUNT_FLAGS = {
  MS_RDONLY: 1,
  MS_NOSUID: 2,
  MS_NODEV: 4,
  MS_NOEXEC: 8,
  MS_SYNCHRONOUS: 16,
  MS_REMOUNT: 32,
  MS_MANDLOCK: 64,
  MS_DIRSYNC: 128,
  MS_NOSYMFOLLOW: 256,
  MS_NOATIME: 1024,
  MS_NODIRATIME: 2048,
  MS_BIND: 4096,
  MS_MOVE: 8192,
  MS_REC: 16384,
  MS_SILENT: 32768,
  MS_UNBINDABLE: 1 << 17,
  MS_PRIVATE: 1 << 18,
  MS_SLAVE: 1 << 19,
  MS_SHARED: 1 << 20,
  MS_RELATIME: 1 << 21,
  MS_STRICTATIME: 1 << 24,
  MS_LAZYTIME: 1 << 25,
} as const;
export type MountFlag = keyof typeof MOUNT_FLAGS;

export const CLONE_FLAGS = {
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
  CLONE_NEWNS: 0x00020000,
} as const;
export type CloneFlag = keyof typeof CLONE_FLAGS;

const SIGCHLD = 17;
const MNT_DETACH = 2;

/** Linux capability numbers (linux/capability.h). */
export const CAPABILITIES = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4,
  CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10, CAP_NET_BROADCAST: 11, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14, CAP_IPC_OWNER: 15, CAP_SYS_MODULE: 16, CAP_SYS_RAWIO: 17, CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19, CAP_SYS_PACCT: 20, CAP_SYS_ADMIN: 21, CAP_SYS_BOOT: 22, CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24, CAP_SYS_TIME: 25, CAP_SYS_TTY_CONFIG: 26, CAP_MKNOD: 27, CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29, CAP_AUDIT_CONTROL: 30, CAP_SETFCAP: 31, CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33, CAP_SYSLOG: 34, CAP_WAKE_ALARM: 35, CAP_BLOCK_SUSPEND: 36, CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38, CAP_BPF: 39, CAP_CHECKPOINT_RESTORE: 40,
} as const;
export type Capability = keyof typeof CAPABILITIES;

/** One step the executor takes in the child. Modes are octal strings so a printed plan reads well. */
export type Op =
  | { op: "mount"; source: string | null; target: string; fstype: string | null; flags: MountFlag[]; data: string | null; optional?: boolean }
  | { op: "mkdir"; path: string; mode: string }
  | { op: "mknod"; path: string; type: "char"; mode: string; major: number; minor: number }
  | { op: "symlink"; target: string; path: string }
  | { op: "chdir"; path: string }
  | { op: "pivot_root"; newRoot: string; putOld: string }
  | { op: "umount2"; target: string; detach: boolean }
  | { op: "sethostname"; hostname: string }
  | { op: "wait-parent" }
  | { op: "set-pdeathsig"; signal: number }
  | { op: "umask"; mask: string }
  | { op: "redirect"; path: string; fd: number; write: boolean }
  | { op: "link-up"; interface: string }
  | { op: "capabilities"; keep: Capability[] }
  | { op: "reset-signals" }
  | { op: "close-fds"; from: number }
  | { op: "mask"; path: string }
  | { op: "open-root"; path: string }
  | { op: "mkpath-in-root"; path: string; mode: string; lastIsFile: boolean }
  | { op: "mount-in-root"; source: string; target: string; fstype: string | null; flags: MountFlag[]; data: string | null }
  | { op: "readonly-in-root"; path: string }
  | { op: "terminal" }
  | { op: "open-cgroup"; path: string; slot: number }
  | { op: "join-cgroup"; slot: number }
  | { op: "clone-tree"; path: string; slot: number; readonly: boolean }
  | { op: "attach-tree"; slot: number; target: string }
  | { op: "unshare"; flags: CloneFlag[] }
  | { op: "execve"; file: string; searchPath: string; argv: string[]; env: string[] };

const OP_CODES: Record<Op["op"], number> = {
  mount: 1, mkdir: 2, mknod: 3, symlink: 4, chdir: 5, pivot_root: 6, umount2: 7, sethostname: 8,
  "wait-parent": 9, "set-pdeathsig": 10, umask: 11, redirect: 12, "link-up": 13, capabilities: 14,
  "reset-signals": 15, "close-fds": 16, execve: 17, mask: 18, "open-root": 19, "mkpath-in-root": 20,
  "mount-in-root": 21, "readonly-in-root": 22, terminal: 23, "open-cgroup": 24, "join-cgroup": 25,
  "clone-tree": 26, "attach-tree": 27, unshare: 28,
};

/** How many numbered fds (slots) the executor keeps for ops that hand an fd to a later op. */
export const EXECUTOR_SLOTS = 16;

const OPT_IGNORE_ENOENT = 1;
const OP_SIZE = 64; // struct op: kind, opt, n1, n2, s1..s4 (8 bytes each)
const S_IFCHR = 0o020000;
const O_RDONLY = 0;
const O_RDWR = 2;

/** A plan in the executor's binary layout, with every buffer it points into kept alive. */
export interface EncodedPlan {
  table: Uint8Array;
  count: number;
  /** Buffers the table points into: see SpawnedPlan.inUse for how long they must live. */
  pins: Uint8Array[];
}

export function encodePlan(ops: Op[]): EncodedPlan {
  const pins: Uint8Array[] = [];
  const table = new Uint8Array(ops.length * OP_SIZE);
  const view = new DataView(table.buffer);

  const cstring = (text: string | null): bigint => {
    if (text === null) return 0n;
    const bytes = Buffer.from(`${text}\0`);
    pins.push(bytes);
    return BigInt(ptr(bytes));
  };
  const cstringArray = (items: string[]): bigint => {
    const pointers = new BigUint64Array(items.length + 1);
    items.forEach((item, i) => (pointers[i] = cstring(item)));
    const bytes = new Uint8Array(pointers.buffer);
    pins.push(bytes);
    return BigInt(ptr(bytes));
  };

  ops.forEach((op, index) => {
    const base = index * OP_SIZE;
    let opt = 0;
    let n1 = 0n;
    let n2 = 0n;
    const s: bigint[] = [0n, 0n, 0n, 0n];
    switch (op.op) {
      case "mount":
      case "mount-in-root":
        s[0] = cstring(op.source);
        s[1] = cstring(op.target);
        s[2] = cstring(op.fstype);
        s[3] = cstring(op.data);
        n1 = mountFlagBits(op.flags);
        if (op.op === "mount" && op.optional) opt |= OPT_IGNORE_ENOENT;
        break;
      case "mkdir":
        s[0] = cstring(op.path);
        n1 = BigInt(parseInt(op.mode, 8));
        break;
      case "mknod":
        s[0] = cstring(op.path);
        n1 = BigInt(S_IFCHR | parseInt(op.mode, 8));
        n2 = makedev(op.major, op.minor);
        break;
      case "symlink":
        s[0] = cstring(op.target);
        s[1] = cstring(op.path);
        break;
      case "chdir":
        s[0] = cstring(op.path);
        break;
      case "pivot_root":
        s[0] = cstring(op.newRoot);
        s[1] = cstring(op.putOld);
        break;
      case "umount2":
        s[0] = cstring(op.target);
        n1 = BigInt(op.detach ? MNT_DETACH : 0);
        break;
      case "sethostname":
        s[0] = cstring(op.hostname);
        break;
      case "set-pdeathsig":
        n1 = BigInt(op.signal);
        break;
      case "umask":
        n1 = BigInt(parseInt(op.mask, 8));
        break;
      case "redirect":
        s[0] = cstring(op.path);
        n1 = BigInt(op.write ? O_RDWR : O_RDONLY);
        n2 = BigInt(op.fd);
        break;
      case "mask":
        s[0] = cstring(op.path);
        opt |= OPT_IGNORE_ENOENT;
        break;
      case "link-up":
        s[0] = cstring(op.interface);
        break;
      case "open-root":
      case "readonly-in-root":
        s[0] = cstring(op.path);
        break;
      case "mkpath-in-root":
        s[0] = cstring(op.path);
        n1 = BigInt(parseInt(op.mode, 8));
        n2 = op.lastIsFile ? 1n : 0n;
        break;
      case "capabilities":
        n1 = op.keep.reduce((bits, cap) => bits | (1n << BigInt(CAPABILITIES[cap])), 0n);
        break;
      case "close-fds":
        n1 = BigInt(op.from);
        break;
      case "open-cgroup":
        s[0] = cstring(op.path);
        n1 = slot(op.slot);
        break;
      case "join-cgroup":
        n1 = slot(op.slot);
        break;
      case "clone-tree":
        s[0] = cstring(op.path);
        n1 = slot(op.slot);
        n2 = op.readonly ? 1n : 0n;
        break;
      case "attach-tree":
        s[0] = cstring(op.target);
        n1 = slot(op.slot);
        break;
      case "unshare":
        n1 = BigInt(op.flags.reduce((bits, flag) => bits | CLONE_FLAGS[flag], 0) >>> 0);
        break;
      case "execve":
        s[0] = cstring(op.file);
        s[1] = cstring(op.searchPath);
        s[2] = cstringArray(op.argv);
        s[3] = cstringArray(op.env);
        break;
      case "wait-parent":
      case "reset-signals":
      case "terminal":
        break;
    }
    view.setBigInt64(base, BigInt(OP_CODES[op.op]), true);
    view.setBigInt64(base + 8, BigInt(opt), true);
    view.setBigUint64(base + 16, n1, true);
    view.setBigUint64(base + 24, n2, true);
    s.forEach((value, i) => view.setBigUint64(base + 32 + i * 8, value, true));
  });
  return { table, count: ops.length, pins };
}

function slot(index: number): bigint {
  if (!Number.isInteger(index) || index < 0 || index >= EXECUTOR_SLOTS) throw new RangeError(`executor slot ${index} out of range`);
  return BigInt(index);
}

function mountFlagBits(flags: MountFlag[]): bigint {
  return BigInt(flags.reduce((bits, flag) => bits | MOUNT_FLAGS[flag], 0) >>> 0);
}

/** The op index in a report record that announces the terminal's master fd instead of a failure. */
export const REPORT_TERMINAL = -1;

/** Not an errno: the executor's code for a mount destination that resolved to the root itself. */
export const EXECUTOR_EROOT = 10001;

/** glibc's makedev, in BigInt so large majors do not hit 32-bit JS bitwise limits. */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function cloneFlagBits(flags: CloneFlag[]): number {
  return flags.reduce((bits, flag) => bits | CLONE_FLAGS[flag], SIGCHLD);
}

export interface NativeExecutor {
  spawn(job: Uint8Array, cloneFlags: number): number;
  /** A copy of the child's fd (pidfd_getfd), or -errno. */
  takeFd(pid: number, fd: number): number;
  /** Start copying a terminal master to `out` (and `input` to it; -1 for none): a handle or -errno. */
  relayStart(master: number, input: number, out: number): number;
  /** Wait for a relay to copy the last byte. */
  relayJoin(handle: number): void;
}

let loaded: NativeExecutor | null = null;

/**
 * Where the dynamic loader can open the executor. Run from source, that is the built file itself.
 * In a compiled minic it is embedded under a $bunfs path the loader cannot open, so it is copied to
 * `cacheDir` once per version: the embedded name carries a hash of the content (the Makefile's
 * --asset-naming), so a run finds its copy without reading the embedded bytes.
 */
function executorPath(cacheDir: string): string {
  if (!executorLibrary.startsWith("/$bunfs/")) return executorLibrary;
  const libraryPath = join(cacheDir, basename(executorLibrary));
  if (existsSync(libraryPath)) return libraryPath;
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  // Written aside and renamed: a concurrent minic must never load a half-written file.
  const temporary = `${libraryPath}.tmp-${process.pid}`;
  writeFileSync(temporary, readFileSync(executorLibrary), { mode: 0o600 });
  renameSync(temporary, libraryPath);
  // Other versions' copies (and sources from before minic shipped a built executor) go; a minic
  // that has one loaded keeps its mapping.
  for (const name of readdirSync(cacheDir)) {
    if (/^executor-[0-9a-z]+\.(so|c)$/.test(name) && join(cacheDir, name) !== libraryPath) rmSync(join(cacheDir, name), { force: true });
  }
  return libraryPath;
}

/** Load the executor: dlopen costs about 0.2 ms; compiling it with TinyCC on every run cost 3 ms. */
export function loadExecutor(cacheDir: string): NativeExecutor {
  if (loaded) return loaded;
  const libraryPath = executorPath(cacheDir);
  const library = dlopen(libraryPath, {
    minic_spawn: { args: ["ptr", "i64"], returns: "i64" },
    minic_terminal_entry_points: { args: ["ptr"], returns: "void" },
  });
  const { minic_spawn, minic_terminal_entry_points } = library.symbols;
  // Every symbol bun:ffi wraps costs start-up time (about 0.5 ms each), so the terminal's entry
  // points are wrapped only when a run has a terminal.
  let terminal: TerminalEntryPoints | null = null;
  const terminalEntryPoints = (): TerminalEntryPoints => {
    if (terminal) return terminal;
    const addresses = new BigUint64Array(3);
    minic_terminal_entry_points(ptr(addresses));
    const [takeFd = 0n, relayStart = 0n, relayJoin = 0n] = addresses;
    const { symbols } = linkSymbols({
      take_fd: { args: [FFIType.i64, FFIType.i64], returns: FFIType.i64, ptr: Number(takeFd) as Pointer },
      relay_start: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i64, ptr: Number(relayStart) as Pointer },
      relay_join: { args: [FFIType.i64], returns: FFIType.void, ptr: Number(relayJoin) as Pointer },
    });
    terminal = symbols as unknown as TerminalEntryPoints;
    return terminal;
  };
  loaded = {
    spawn: (job, cloneFlags) => Number(minic_spawn(ptr(job), cloneFlags)),
    takeFd: (pid, fd) => Number(terminalEntryPoints().take_fd(pid, fd)),
    relayStart: (master, input, out) => Number(terminalEntryPoints().relay_start(master, input, out)),
    relayJoin: (handle) => terminalEntryPoints().relay_join(handle),
  };
  return loaded;
}

interface TerminalEntryPoints {
  take_fd(pid: number, fd: number): number | bigint;
  relay_start(master: number, input: number, out: number): number | bigint;
  relay_join(handle: number): void;
}

export interface SpawnFds {
  /** Write end of the report pipe (close-on-exec): the child writes {op index, errno} on failure. */
  reportWrite: number;
  reportRead: number;
  /** Read end of the sync pipe: the child's wait-parent op blocks on it. */
  syncRead: number;
  syncWrite: number;
  /** Write end of the exit pipe: a native thread writes the child's wait status (4 bytes). */
  exitWrite: number;
}

const JOB_SIZE = 40; // struct job: ops, nops, then six ints

/** A cloned child, and the memory it reads until it has exec'd or exited. */
export interface SpawnedPlan {
  pid: number;
  /**
   * The job, the op table and every string they point to. On x86_64 the child shares our memory
   * (CLONE_VM) and reads them until execve, so hold this until the exit status has arrived:
   * JSC frees unreferenced buffers early (3 of 1500 children once exec'd garbage argv).
   */
  inUse: unknown[];
}

/**
 * Clone a child with `cloneFlags` that runs `plan`, and a native thread that reaps it and writes
 * its wait status to `fds.exitWrite`. The pid is -errno if clone failed.
 */
export function spawnPlan(executor: NativeExecutor, plan: EncodedPlan, cloneFlags: number, fds: SpawnFds): SpawnedPlan {
  const job = new Uint8Array(JOB_SIZE);
  const view = new DataView(job.buffer);
  view.setBigUint64(0, plan.count === 0 ? 0n : BigInt(ptr(plan.table)), true);
  view.setBigInt64(8, BigInt(plan.count), true);
  view.setInt32(16, fds.reportWrite, true);
  view.setInt32(20, fds.syncRead, true);
  view.setInt32(24, fds.reportRead, true);
  view.setInt32(28, fds.syncWrite, true);
  view.setInt32(32, fds.exitWrite, true);
  const pid = executor.spawn(job, cloneFlags);
  return { pid, inUse: [job, plan.table, plan.pins] };
}
