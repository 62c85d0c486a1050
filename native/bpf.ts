// bpf(2) through libc's syscall(), opened only on a cgroup v2 host when a container's device
// program is loaded. Declarations only; the program and where it goes are src/cgroups/.
import { dlopen, ptr, type Pointer } from "bun:ffi";
import { lastErrno } from "./libc.ts";

const SYS_BPF = process.arch === "arm64" ? 280 : 321;

type Syscall = (number: number, command: number, attr: Pointer, size: number) => bigint;
let syscall: Syscall | null = null;

/** bpf(command, attr, attr.length): its result, or -errno. */
export function bpf(command: number, attr: Uint8Array): number {
  syscall ??= dlopen("libc.so.6", { syscall: { args: ["i64", "i64", "ptr", "u64"], returns: "i64" } }).symbols.syscall as unknown as Syscall;
  const rc = Number(syscall(SYS_BPF, command, ptr(attr), attr.length));
  return rc < 0 ? -lastErrno() : rc;
}
