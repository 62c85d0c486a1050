// OCI linux.seccomp: what a container's seccomp filter is made from.
import type { SeccompAction, SeccompComparison } from "./names.ts";

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompComparison;
}

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: SeccompRule[];
}
