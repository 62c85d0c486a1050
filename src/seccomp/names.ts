// The words of seccomp profiles (OCI linux.seccomp and Docker's profile format), with libseccomp's
// values for them (seccomp.h): actions, argument comparisons, architectures.

/** Actions; ERRNO and TRACE take their argument from errnoRet. */
export const SECCOMP_ACTIONS = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
} as const;
export type SeccompAction = keyof typeof SECCOMP_ACTIONS;

export const SECCOMP_COMPARISONS = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
} as const;
export type SeccompComparison = keyof typeof SECCOMP_COMPARISONS;

/** OCI architecture names and the names libseccomp's seccomp_arch_resolve_name knows. */
export const SECCOMP_ARCHITECTURES: Record<string, string> = {
  SCMP_ARCH_X86: "x86",
  SCMP_ARCH_X86_64: "x86_64",
  SCMP_ARCH_X32: "x32",
  SCMP_ARCH_ARM: "arm",
  SCMP_ARCH_AARCH64: "aarch64",
  SCMP_ARCH_MIPS: "mips",
  SCMP_ARCH_MIPS64: "mips64",
  SCMP_ARCH_MIPS64N32: "mips64n32",
  SCMP_ARCH_MIPSEL: "mipsel",
  SCMP_ARCH_MIPSEL64: "mipsel64",
  SCMP_ARCH_MIPSEL64N32: "mipsel64n32",
  SCMP_ARCH_PPC: "ppc",
  SCMP_ARCH_PPC64: "ppc64",
  SCMP_ARCH_PPC64LE: "ppc64le",
  SCMP_ARCH_S390: "s390",
  SCMP_ARCH_S390X: "s390x",
  SCMP_ARCH_RISCV64: "riscv64",
};

/** The OCI architecture of this machine, and Docker's (Go's) name for it in profiles' `arches`. */
export function nativeArchitecture(nodeArch: string): { oci: string; docker: string } {
  if (nodeArch === "x64") return { oci: "SCMP_ARCH_X86_64", docker: "amd64" };
  if (nodeArch === "arm64") return { oci: "SCMP_ARCH_AARCH64", docker: "arm64" };
  throw new Error(`minic does not know the seccomp architecture of ${nodeArch}`);
}
