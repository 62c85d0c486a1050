// libseccomp (Debian's libseccomp2), opened only when a profile must be compiled: a cached
// program needs none of it. Declarations only; what to compile is src/seccomp/compile.ts.
import { dlopen, read, type Pointer } from "bun:ffi";

export interface Libseccomp {
  seccomp_init(defaultAction: number): Pointer | null;
  seccomp_release(context: Pointer): void;
  seccomp_arch_resolve_name(name: Pointer): number;
  seccomp_arch_add(context: Pointer, token: number): number;
  seccomp_syscall_resolve_name(name: Pointer): number;
  seccomp_rule_add_array(context: Pointer, action: number, syscall: number, count: number, args: Pointer | null): number;
  seccomp_attr_set(context: Pointer, attribute: number, value: number): number;
  seccomp_export_bpf(context: Pointer, fd: number): number;
  /** struct scmp_version { unsigned major, minor, micro; } */
  seccomp_version(): Pointer | null;
}

let opened: Libseccomp | null = null;

/** libseccomp.so.2, or the loader's error. */
export function libseccomp(): Libseccomp {
  if (opened) return opened;
  const library = dlopen("libseccomp.so.2", {
    seccomp_init: { args: ["u32"], returns: "ptr" },
    seccomp_release: { args: ["ptr"], returns: "void" },
    seccomp_arch_resolve_name: { args: ["ptr"], returns: "u32" },
    seccomp_arch_add: { args: ["ptr", "u32"], returns: "i32" },
    seccomp_syscall_resolve_name: { args: ["ptr"], returns: "i32" },
    seccomp_rule_add_array: { args: ["ptr", "u32", "i32", "u32", "ptr"], returns: "i32" },
    seccomp_attr_set: { args: ["ptr", "i32", "u32"], returns: "i32" },
    seccomp_export_bpf: { args: ["ptr", "i32"], returns: "i32" },
    seccomp_version: { args: [], returns: "ptr" },
  });
  opened = library.symbols as unknown as Libseccomp;
  return opened;
}

/** "2.5.4", or null where libseccomp cannot be loaded. */
export function libseccompVersion(): string | null {
  try {
    const version = libseccomp().seccomp_version();
    return version === null ? null : [0, 4, 8].map((offset) => read.u32(version, offset)).join(".");
  } catch {
    return null;
  }
}
