// Plans to the executor's binary form: one `struct op` per op (native/protocol.h), strings as
// NUL-terminated buffers, binary fields as pointer and length. Every buffer is kept in `pins`:
// JSC frees unreferenced buffers early, and the child reads them until it execs.
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

type Field = "flags" | "n1" | "n2" | "n3" | "s1" | "s2" | "s3" | "s4" | "data" | "data_len";

export function encodePlan(ops: Op[]): EncodedPlan {
  const pins: Uint8Array[] = [];
  const size = sizeOf("op");
  const table = new Uint8Array(Math.max(1, ops.length) * size);
  const view = new DataView(table.buffer);

  const pin = (bytes: Uint8Array): bigint => {
    pins.push(bytes);
    return BigInt(ptr(bytes));
  };
  const cstring = (text: string | null): bigint => (text === null ? 0n : pin(Buffer.from(`${text}\0`)));
  const cstringArray = (items: string[]): bigint => {
    const pointers = new BigUint64Array(items.length + 1);
    items.forEach((item, i) => (pointers[i] = cstring(item)));
    return pin(new Uint8Array(pointers.buffer));
  };

  ops.forEach((op, index) => {
    const base = index * size;
    const fields: Partial<Record<Field, bigint>> = {};
    const binary = (bytes: Uint8Array): void => {
      fields.data = bytes.length === 0 ? 0n : pin(bytes);
      fields.data_len = BigInt(bytes.length);
    };
    switch (op.op) {
      case "mount":
      case "mount-in-root":
        fields.s1 = cstring(op.source);
        fields.s2 = cstring(op.target);
        fields.s3 = cstring(op.fstype);
        fields.s4 = cstring(op.data);
        fields.n1 = mountFlagBits(op.flags);
        if (op.op === "mount" && op.optional) fields.flags = BigInt(constant("OPF_IGNORE_ENOENT"));
        break;
      case "mkdir":
        fields.s1 = cstring(op.path);
        fields.n1 = octal(op.mode);
        break;
      case "mknod":
        fields.s1 = cstring(op.path);
        fields.n1 = BigInt(S_IF[op.type]) | octal(op.mode);
        fields.n2 = makedev(op.major, op.minor);
        fields.n3 = (BigInt(op.uid) << 32n) | BigInt(op.gid);
        break;
      case "symlink":
        fields.s1 = cstring(op.target);
        fields.s2 = cstring(op.path);
        break;
      case "chdir":
      case "open-root":
      case "readonly-in-root":
        fields.s1 = cstring(op.path);
        break;
      case "pivot_root":
        fields.s1 = cstring(op.newRoot);
        fields.s2 = cstring(op.putOld);
        break;
      case "umount2":
        fields.s1 = cstring(op.target);
        fields.n1 = BigInt(op.detach ? MNT_DETACH : 0);
        break;
      case "sethostname":
        fields.s1 = cstring(op.hostname);
        break;
      case "umask":
        fields.n1 = octal(op.mask);
        break;
      case "redirect":
        fields.s1 = cstring(op.path);
        fields.n1 = BigInt(op.write ? 2 : 0);
        fields.n2 = BigInt(op.fd);
        break;
      case "link-up":
        fields.s1 = cstring(op.interface);
        break;
      case "bounding":
        fields.n1 = capabilityBits(op.keep);
        break;
      case "capabilities":
        fields.n1 = capabilityBits(op.effective);
        fields.n2 = capabilityBits(op.permitted);
        fields.n3 = capabilityBits(op.inheritable);
        binary(new Uint8Array(new BigUint64Array([capabilityBits(op.ambient)]).buffer));
        break;
      case "user":
        fields.n1 = BigInt(op.uid);
        fields.n2 = BigInt(op.gid);
        binary(new Uint8Array(new Uint32Array(op.additionalGids).buffer));
        break;
      case "rlimit":
        fields.n1 = BigInt(RLIMITS[op.resource]);
        fields.n2 = BigInt.asUintN(64, BigInt(op.soft));
        fields.n3 = BigInt.asUintN(64, BigInt(op.hard));
        break;
      case "write-file":
        fields.s1 = cstring(op.path);
        fields.s2 = cstring(op.content);
        break;
      case "close-fds":
        fields.n1 = BigInt(op.from);
        break;
      case "mask":
        fields.s1 = cstring(op.path);
        fields.s2 = cstring(op.fileSource);
        fields.s3 = cstring(op.dirFstype);
        fields.n1 = mountFlagBits(op.dirFlags);
        fields.flags = BigInt(constant("OPF_IGNORE_ENOENT"));
        break;
      case "mkpath-in-root":
        fields.s1 = cstring(op.path);
        fields.s2 = cstring(op.kindOf);
        fields.n1 = octal(op.dirMode);
        fields.n2 = octal(op.fileMode);
        break;
      case "open-file":
        fields.s1 = cstring(op.path);
        fields.n1 = BigInt(op.flags);
        fields.n2 = slot(op.slot);
        break;
      case "write-slot":
        fields.n1 = slot(op.slot);
        fields.s1 = cstring(op.content);
        break;
      case "clone-tree":
        fields.s1 = cstring(op.path);
        fields.n1 = slot(op.slot);
        fields.n2 = BigInt(op.readonly ? MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC : 0);
        break;
      case "attach-tree":
        fields.s1 = cstring(op.target);
        fields.n1 = slot(op.slot);
        break;
      case "symlink-in-root":
        fields.s1 = cstring(op.target);
        fields.s2 = cstring(op.dir);
        fields.s3 = cstring(op.name);
        break;
      case "unshare":
        fields.n1 = cloneFlagBits(op.flags);
        break;
      case "setns":
        fields.s1 = cstring(op.path);
        fields.n1 = cloneFlagBits([NAMESPACE_CLONE_FLAGS[op.type]]);
        break;
      case "check-command":
        fields.s1 = cstring(op.file);
        fields.s2 = cstring(op.searchPath);
        break;
      case "execve":
        fields.s1 = cstring(op.file);
        fields.s2 = cstring(op.searchPath);
        fields.s3 = cstringArray(op.argv);
        fields.s4 = cstringArray(op.env);
        break;
      case "wait-parent":
      case "terminal":
      case "no-new-privs":
      case "wait-start":
      case "unblock-signals":
        break;
    }
    view.setBigInt64(base + offsetOf("op", "code"), BigInt(constant(opConstantName(op.op))), true);
    for (const [name, value] of Object.entries(fields) as [Field, bigint][]) {
      view.setBigUint64(base + offsetOf("op", name), BigInt.asUintN(64, value), true);
    }
  });
  return { table, count: ops.length, pins };
}

function octal(mode: string): bigint {
  return BigInt(parseInt(mode, 8));
}

function slot(index: number): bigint {
  if (!Number.isInteger(index) || index < 0 || index >= slotCount()) throw new RangeError(`executor slot ${index} out of range`);
  return BigInt(index);
}

function mountFlagBits(flags: MountFlag[]): bigint {
  return BigInt(flags.reduce((bits, flag) => bits | MOUNT_FLAGS[flag], 0) >>> 0);
}

export function capabilityBits(caps: Capability[]): bigint {
  return caps.reduce((bits, cap) => bits | (1n << BigInt(CAPABILITIES[cap])), 0n);
}

export function cloneFlagBits(flags: CloneFlag[]): bigint {
  return BigInt(flags.reduce((bits, flag) => bits | CLONE_FLAGS[flag], 0) >>> 0);
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
  /** -1: nobody reaps the child here. */
  exitFd: number;
  stdio: [number, number, number];
  pidNamespaceFd: number;
  /** The parent's pipe ends, closed in the child first. */
  closeInChild: [number, number];
}

export function encodeJob(plan: EncodedPlan, settings: JobSettings): Uint8Array {
  const job = new Uint8Array(sizeOf("job"));
  const view = new DataView(job.buffer);
  const set = (member: string, value: bigint | number): void =>
    view.setBigInt64(offsetOf("job", member), BigInt(value), true);
  set("ops", plan.count === 0 ? 0n : BigInt(ptr(plan.table)));
  set("nops", plan.count);
  set("clone_flags", cloneFlagBits(settings.cloneFlags) | BigInt(SIGCHLD));
  set("share_memory", settings.shareMemory ? 1 : 0);
  set("pdeathsig", settings.pdeathsig);
  set("report_fd", settings.reportFd);
  set("sync_fd", settings.syncFd);
  set("start_fd", settings.startFd);
  set("exit_fd", settings.exitFd);
  set("stdin_fd", settings.stdio[0]);
  set("stdout_fd", settings.stdio[1]);
  set("stderr_fd", settings.stdio[2]);
  set("pid_ns_fd", settings.pidNamespaceFd);
  set("close_fd1", settings.closeInChild[0]);
  set("close_fd2", settings.closeInChild[1]);
  return job;
}
