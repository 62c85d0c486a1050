// OCI linux.seccomp compiled by libseccomp into the classic BPF program the child installs with
// seccomp(2). Compiling costs milliseconds (and loading libseccomp more), so programs are cached
// in MINIC_ROOT by the hash of what they are made from: a cached start never opens libseccomp.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ptr, type Pointer } from "bun:ffi";
import { libseccomp, type Libseccomp } from "../../native/libseccomp.ts";
import { strerror } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";
import { log } from "../log.ts";
import { SECCOMP_ACTIONS, SECCOMP_ARCHITECTURES, SECCOMP_COMPARISONS } from "./names.ts";
import type { Seccomp, SeccompArg, SeccompRule } from "./types.ts";

const EPERM = 1;
const EACCES = 13;
const EEXIST = 17;
const NR_SCMP_ERROR = -1;
const SCMP_FLTATR_CTL_NNP = 3;
const SCMP_FLTATR_CTL_OPTIMIZE = 8;
/** One sock_filter instruction: code (u16), jt, jf (u8), k (u32). */
const INSTRUCTION_BYTES = 8;

/** The program for `seccomp`, compiled or from the cache in `cacheDir`. */
export function seccompProgram(seccomp: Seccomp, cacheDir: string): Buffer {
  const text = JSON.stringify(seccomp);
  const path = join(cacheDir, "seccomp", `${process.arch}-${Bun.hash(text).toString(36)}.bpf`);
  try {
    const cached = readFileSync(path);
    if (cached.length > 0 && cached.length % INSTRUCTION_BYTES === 0) return cached;
  } catch {
    // not compiled yet
  }
  mkdirSync(join(cacheDir, "seccomp"), { recursive: true, mode: 0o700 });
  const partial = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(partial, "w", 0o600);
    try {
      compileInto(seccomp, fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return readFileSync(path);
}

function loadLibrary(): Libseccomp {
  try {
    return libseccomp();
  } catch (error) {
    throw new MinicError(
      `cannot load libseccomp to build the container's seccomp filter: ${error instanceof Error ? error.message : String(error)}`,
      undefined,
      "install Debian's libseccomp2, or run the container with --security-opt seccomp=unconfined",
    );
  }
}

const cString = (text: string): Buffer => Buffer.from(`${text}\0`);

function actionValue(action: keyof typeof SECCOMP_ACTIONS, errnoRet: number | undefined): number {
  const base = SECCOMP_ACTIONS[action];
  if (action === "SCMP_ACT_ERRNO") return (base | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
  if (action === "SCMP_ACT_TRACE") return (base | ((errnoRet ?? 0) & 0xffff)) >>> 0;
  return base >>> 0;
}

/** struct scmp_arg_cmp[]: arg (u32), op (u32), datum_a (u64), datum_b (u64). */
function argArray(args: SeccompArg[]): Uint8Array {
  const bytes = new Uint8Array(Math.max(1, args.length) * 24);
  const view = new DataView(bytes.buffer);
  args.forEach((arg, i) => {
    view.setUint32(i * 24, arg.index, true);
    view.setUint32(i * 24 + 4, SECCOMP_COMPARISONS[arg.op], true);
    view.setBigUint64(i * 24 + 8, BigInt(arg.value), true);
    view.setBigUint64(i * 24 + 16, BigInt(arg.valueTwo ?? 0), true);
  });
  return bytes;
}

/**
 * One libseccomp rule per argument set: conditions on distinct arguments all hold together (one
 * rule), but several on the same argument are alternatives (one rule each), as runc reads them.
 */
function argumentSets(rule: SeccompRule): SeccompArg[][] {
  const args = rule.args ?? [];
  const indexes = new Set(args.map((arg) => arg.index));
  return indexes.size === args.length ? [args] : args.map((arg) => [arg]);
}

function compileInto(seccomp: Seccomp, fd: number): void {
  const lib = loadLibrary();
  const defaultAction = actionValue(seccomp.defaultAction, seccomp.defaultErrnoRet);
  const context = lib.seccomp_init(defaultAction);
  if (context === null) throw new MinicError("seccomp: libseccomp could not start a filter");
  try {
    check(lib.seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set");
    // A binary tree of syscall numbers: the filter's cost stops growing with the list.
    lib.seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (const architecture of seccomp.architectures) {
      const name = cString(SECCOMP_ARCHITECTURES[architecture] ?? architecture);
      const token = lib.seccomp_arch_resolve_name(ptr(name));
      if (token === 0) throw new MinicError(`seccomp: libseccomp does not know the architecture ${architecture}`);
      const added = lib.seccomp_arch_add(context, token);
      if (added !== 0 && added !== -EEXIST) check(added, `adding ${architecture}`);
    }
    for (const rule of seccomp.syscalls) {
      const action = actionValue(rule.action, rule.errnoRet);
      if (action === defaultAction) continue; // libseccomp refuses a rule that changes nothing
      for (const name of rule.names) {
        const number = lib.seccomp_syscall_resolve_name(ptr(cString(name)));
        if (number === NR_SCMP_ERROR) {
          // As Docker: a profile may name system calls this libseccomp or machine lacks.
          log.debug(`seccomp: skipping unknown system call ${name}`);
          continue;
        }
        for (const args of argumentSets(rule)) {
          const array = argArray(args);
          const rc = lib.seccomp_rule_add_array(context, action, number, args.length, args.length > 0 ? ptr(array) : null);
          if (rc === -EACCES) continue;
          check(rc, `the rule for ${name}`);
        }
      }
    }
    check(lib.seccomp_export_bpf(context, fd), "exporting the filter");
  } finally {
    lib.seccomp_release(context as Pointer);
  }
}

function check(rc: number, what: string): void {
  if (rc < 0) throw new MinicError(`seccomp: ${what}: ${strerror(-rc)}`);
}
