// Plans to the executor's binary form: one `struct op` per op (native/protocol.h), strings as
// pointers to NUL-terminated bytes, binary fields as pointer and length. Every buffer is kept in
// `pins`: JSC frees unreferenced buffers early, and the child reads them until it execs.
import { ptr } from "bun:ffi";
import { CAPABILITIES, CLONE_FLAGS, MNT_DETACH, MOUNT_ATTR, MOUNT_FLAGS, RLIMITS, SIGCHLD, type Capability, type CloneFlag, type MountFlag } from "./linux.ts";
import type { Op } from "./ops.ts";
import { constant, offsetOf, opConstantName, sizeOf } from "./protocol.ts";
import { NAMESPACE_CLONE_FLAGS } from "./namespaces.ts";

/** A plan in the executor's binary layout, with every buffer it points into kept alive. */
export interface EncodedPlan {
  table: Uint8Array;
  count: number;
  pins: Uint8Array[];
}

/** Numbered fds the executor keeps for ops that hand an fd to a later op. */
export function slotCount(): number {
  return constant("SLOTS");
}

const S_IF = { c: 0o020000, b: 0o060000, p: 0o010000 } as const;

type Word = number | bigint;
/** An op's record before layout: numbers, and strings (or NULL-terminated string arrays) by value. */
interface Fields {
  flags?: Word;
  n1?: Word;
  n2?: Word;
  n3?: Word;
  s1?: string | string[] | null;
  s2?: string | string[] | null;
  s3?: string | string[] | null;
  s4?: string | string[] | null;
  data?: Uint8Array;
}
const POINTER_FIELDS = ["s1", "s2", "s3", "s4"] as const;
const NUMBER_FIELDS = ["flags", "n1", "n2", "n3"] as const;

interface OpLayout {
  size: number;
  offset: Record<"code" | "data" | "data_len" | (typeof POINTER_FIELDS)[number] | (typeof NUMBER_FIELDS)[number], number>;
  codes: Map<string, number>;
}
let layout: OpLayout | null = null;

/** Offsets and codes from native/protocol.h, resolved once per process. */
function opLayout(): OpLayout {
  if (layout) return layout;
  const names = ["code", "data", "data_len", ...POINTER_FIELDS, ...NUMBER_FIELDS] as const;
  const offset = Object.fromEntries(names.map((name) => [name, offsetOf("op", name)])) as OpLayout["offset"];
  layout = { size: sizeOf("op"), offset, codes: new Map() };
  return layout;
}

function opCode(name: string): number {
  const { codes } = opLayout();
  let code = codes.get(name);
  if (code === undefined) {
    code = constant(opConstantName(name));
    codes.set(name, code);
  }
  return code;
}

/** A little-endian u64 from a number (exact up to 2^53, as pointers and ids are) or a bigint. */
function setWord(view: DataView, at: number, value: Word): void {
  if (typeof value === "bigint") {
    view.setBigUint64(at, BigInt.asUintN(64, value), true);
    return;
  }
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

/**
 * Encode a plan. Strings go into one NUL-separated arena and string arrays into one pointer
 * block, so the whole plan costs three bun:ffi `ptr` calls, not one per string. One pass writes
 * each record's code and numbers and notes where its pointers go; a second fills them in once
 * the buffers' addresses are known. (This runs once per start, cold: a plan of 120 ops cost
 * 2 ms when each record went through several closures and intermediate arrays.)
 */
export function encodePlan(ops: Op[]): EncodedPlan {
  const { size, offset } = opLayout();
  const table = new Uint8Array(Math.max(1, ops.length) * size);
  const view = new DataView(table.buffer);
  const strings: string[] = [];
  let arenaBytes = 0;
  /** Pairs: a pointer's byte offset in the table, and the arena offset it points to. */
  const stringPointers: number[] = [];
  /** The arena offset of each array item, NULL-terminated arrays one after another. */
  const arrayItems: number[] = [];
  /** Pairs: a pointer's byte offset in the table, and its array's first slot in the block. */
  const arrayPointers: number[] = [];
  const blobParts: Uint8Array[] = [];
  /** Pairs: the data pointer's byte offset in the table, and the blob's offset. */
  const blobPointers: number[] = [];
  let blobBytes = 0;

  const place = (text: string): number => {
    strings.push(text);
    const at = arenaBytes;
    arenaBytes += Buffer.byteLength(text) + 1;
    return at;
  };
  const pointTo = (at: number, value: string | string[] | null | undefined): void => {
    if (value === undefined || value === null) return;
    if (typeof value === "string") {
      stringPointers.push(at, place(value));
      return;
    }
    arrayPointers.push(at, arrayItems.length);
    for (const item of value) arrayItems.push(place(item));
    arrayItems.push(-1);
  };

  for (let index = 0; index < ops.length; index++) {
    const op = ops[index] as Op;
    const record = fieldsOf(op);
    const base = index * size;
    setWord(view, base + offset.code, opCode(op.op));
    if (record.flags !== undefined) setWord(view, base + offset.flags, record.flags);
    if (record.n1 !== undefined) setWord(view, base + offset.n1, record.n1);
    if (record.n2 !== undefined) setWord(view, base + offset.n2, record.n2);
    if (record.n3 !== undefined) setWord(view, base + offset.n3, record.n3);
    pointTo(base + offset.s1, record.s1);
    pointTo(base + offset.s2, record.s2);
    pointTo(base + offset.s3, record.s3);
    pointTo(base + offset.s4, record.s4);
    if (record.data !== undefined && record.data.length > 0) {
      blobParts.push(record.data);
      blobPointers.push(base + offset.data, blobBytes);
      setWord(view, base + offset.data_len, record.data.length);
      blobBytes += record.data.length;
    }
  }

  const arena = Buffer.from(`${strings.join("\0")}\0`);
  const pointerBlock = new BigUint64Array(Math.max(1, arrayItems.length));
  const blobs = new Uint8Array(Math.max(1, blobBytes));
  let blobAt = 0;
  for (const part of blobParts) {
    blobs.set(part, blobAt);
    blobAt += part.length;
  }
  const arenaBase = ptr(arena);
  const pointerBase = ptr(pointerBlock);
  const blobBase = ptr(blobs);
  for (let i = 0; i < arrayItems.length; i++) {
    const at = arrayItems[i] as number;
    pointerBlock[i] = at < 0 ? 0n : BigInt(arenaBase + at);
  }
  for (let i = 0; i < stringPointers.length; i += 2) setWord(view, stringPointers[i] as number, arenaBase + (stringPointers[i + 1] as number));
  for (let i = 0; i < arrayPointers.length; i += 2) setWord(view, arrayPointers[i] as number, pointerBase + (arrayPointers[i + 1] as number) * 8);
  for (let i = 0; i < blobPointers.length; i += 2) setWord(view, blobPointers[i] as number, blobBase + (blobPointers[i + 1] as number));
  return { table, count: ops.length, pins: [arena, new Uint8Array(pointerBlock.buffer), blobs] };
}

/** What each field of an op's record holds (native/child.c reads them the same way). */
function fieldsOf(op: Op): Fields {
  switch (op.op) {
    case "mount":
    case "mount-in-root":
      return {
        s1: op.source, s2: op.target, s3: op.fstype, s4: op.data, n1: mountFlagBits(op.flags),
        flags: op.op === "mount" && op.optional ? constant("OPF_IGNORE_ENOENT") : 0,
      };
    case "mkdir":
      return { s1: op.path, n1: octal(op.mode) };
    case "mknod":
      return { s1: op.path, n1: S_IF[op.type] | octal(op.mode), n2: makedev(op.major, op.minor), n3: op.uid * 2 ** 32 + op.gid };
    case "symlink":
      return { s1: op.target, s2: op.path };
    case "chdir":
    case "chroot":
    case "open-root":
    case "readonly-in-root":
      return { s1: op.path };
    case "pivot_root":
      return { s1: op.newRoot, s2: op.putOld };
    case "umount2":
      return { s1: op.target, n1: op.detach ? MNT_DETACH : 0 };
    case "sethostname":
      return { s1: op.hostname };
    case "setdomainname":
      return { s1: op.domainname };
    case "personality":
      return { n1: op.persona };
    case "session-keyring":
      return { s1: op.name };
    case "seccomp":
      return { data: Buffer.from(op.program, "base64") };
    case "umask":
      return { n1: octal(op.mask) };
    case "redirect":
      return { s1: op.path, n1: op.write ? 2 : 0, n2: op.fd };
    case "link-up":
      return { s1: op.interface };
    case "bounding":
      return { n1: capabilityBits(op.keep) };
    case "capabilities":
      return {
        n1: capabilityBits(op.effective), n2: capabilityBits(op.permitted), n3: capabilityBits(op.inheritable),
        data: new Uint8Array(new BigUint64Array([capabilityBits(op.ambient)]).buffer),
      };
    case "user":
      return { n1: op.uid, n2: op.gid, data: new Uint8Array(new Uint32Array(op.additionalGids ?? []).buffer), flags: op.additionalGids === null ? constant("OPF_KEEP_GROUPS") : 0 };
    case "rlimit":
      return { n1: RLIMITS[op.resource], n2: rlimitWord(op.soft), n3: rlimitWord(op.hard) };
    case "write-file":
      return { s1: op.path, s2: op.content };
    case "close-fds":
      return { n1: op.from };
    case "mask":
      return { s1: op.path, s2: op.fileSource, s3: op.dirFstype, n1: mountFlagBits(op.dirFlags), flags: constant("OPF_IGNORE_ENOENT") };
    case "mkpath-in-root":
      return { s1: op.path, s2: op.kindOf, n1: octal(op.dirMode), n2: octal(op.fileMode) };
    case "open-file":
      return { s1: op.path, n1: op.flags, n2: slot(op.slot) };
    case "write-slot":
      return { n1: slot(op.slot), s1: op.content };
    case "clone-tree":
      return { s1: op.path, n1: slot(op.slot), n2: op.readonly ? MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC : 0 };
    case "attach-tree":
    case "attach-tree-at":
      return { s1: op.target, n1: slot(op.slot) };
    case "symlink-in-root":
      return { s1: op.target, s2: op.dir, s3: op.name };
    case "unshare":
      return { n1: cloneFlagBits(op.flags) };
    case "setns":
      return { s1: op.path, n1: cloneFlagBits([NAMESPACE_CLONE_FLAGS[op.type]]) };
    case "check-command":
      return { s1: op.file, s2: op.searchPath };
    case "execve":
      return { s1: op.file, s2: op.searchPath, s3: op.argv, s4: op.env };
    case "wait-parent":
    case "wait-hooks":
    case "enter-root":
    case "terminal":
    case "no-new-privs":
    case "wait-start":
    case "unblock-signals":
    case "fork-beside":
    case "no-dump":
      return {};
  }
}

/** RLIM_INFINITY arrives as 2^64 (18446744073709551615 has no exact double). */
function rlimitWord(value: number): bigint {
  return value >= 2 ** 64 ? 2n ** 64n - 1n : BigInt(value);
}

function octal(mode: string): number {
  return parseInt(mode, 8);
}

function slot(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= slotCount()) throw new RangeError(`executor slot ${index} out of range`);
  return index;
}

function mountFlagBits(flags: MountFlag[]): number {
  return flags.reduce((bits, flag) => bits | MOUNT_FLAGS[flag], 0) >>> 0;
}

export function capabilityBits(caps: Capability[]): bigint {
  return caps.reduce((bits, cap) => bits | (1n << BigInt(CAPABILITIES[cap])), 0n);
}

export function cloneFlagBits(flags: CloneFlag[]): number {
  return flags.reduce((bits, flag) => bits | CLONE_FLAGS[flag], 0) >>> 0;
}

/** glibc's makedev, in BigInt so large majors do not hit 32-bit JS bitwise limits. */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/** How a child is started: everything in `struct job` but the plan. */
export interface JobSettings {
  cloneFlags: CloneFlag[];
  /** CLONE_VM: only when the parent waits for setup and outlives it (see native/spawn.c). */
  shareMemory: boolean;
  /** 0: none; a created container must outlive its creator. */
  pdeathsig: number;
  reportFd: number;
  syncFd: number;
  /** -1: exec as soon as setup is done. */
  startFd: number;
  /** The watch thread also reaps the child and reports its exit. */
  watchExit: boolean;
  stdio: [number, number, number];
  pidNamespaceFd: number;
  netNamespaceFd: number;
  /** The parent's end of the report pipe: read by the watch thread, closed in the child. */
  parentReportFd: number;
  /** The parent's end of the sync pipe: closed in the child. */
  parentSyncFd: number;
  /** The thread-safe callback the watch thread reports through (a bun:ffi JSCallback). */
  notify: number;
  /** Detached mounts made before clone, each found by the child in its `slot` (at most two). */
  inherited: { fd: number; slot: number }[];
  /** How many of the caller's fds from 3 up the process keeps (runc's --preserve-fds). */
  preserveFds: number;
  /** The child stays dumpable until its first wait-parent returns (see native/protocol.h's job). */
  dumpable: boolean;
  /** -1, or the child's end of the socket a terminal master is sent over. */
  terminalSocket: number;
}

export function encodeJob(plan: EncodedPlan, settings: JobSettings): Uint8Array {
  const job = new Uint8Array(sizeOf("job"));
  const view = new DataView(job.buffer);
  const set = (member: string, value: bigint | number): void =>
    view.setBigInt64(offsetOf("job", member), BigInt(value), true);
  set("ops", plan.count === 0 ? 0n : BigInt(ptr(plan.table)));
  set("nops", plan.count);
  set("clone_flags", cloneFlagBits(settings.cloneFlags) | SIGCHLD);
  set("share_memory", settings.shareMemory ? 1 : 0);
  set("pdeathsig", settings.pdeathsig);
  set("report_fd", settings.reportFd);
  set("sync_fd", settings.syncFd);
  set("start_fd", settings.startFd);
  set("watch_exit", settings.watchExit ? 1 : 0);
  set("stdin_fd", settings.stdio[0]);
  set("stdout_fd", settings.stdio[1]);
  set("stderr_fd", settings.stdio[2]);
  set("pid_ns_fd", settings.pidNamespaceFd);
  set("net_ns_fd", settings.netNamespaceFd);
  set("parent_report_fd", settings.parentReportFd);
  set("parent_sync_fd", settings.parentSyncFd);
  set("notify", settings.notify);
  if (settings.inherited.length > 2) throw new Error("a job carries at most two inherited mounts");
  const [first, second] = settings.inherited;
  set("inherited_fd", first?.fd ?? -1);
  set("inherited_slot", first === undefined ? -1 : slot(first.slot));
  set("inherited_fd2", second?.fd ?? -1);
  set("inherited_slot2", second === undefined ? -1 : slot(second.slot));
  set("preserve_fds", settings.preserveFds);
  set("dumpable", settings.dumpable ? 1 : 0);
  set("terminal_socket", settings.terminalSocket);
  return job;
}
