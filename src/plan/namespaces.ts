import type { CloneFlag } from "./linux.ts";
import type { NamespaceType } from "../spec/types.ts";

/** OCI namespace types and the clone/setns flag of each. */
export const NAMESPACE_CLONE_FLAGS: Record<NamespaceType, CloneFlag> = {
  pid: "CLONE_NEWPID",
  network: "CLONE_NEWNET",
  mount: "CLONE_NEWNS",
  ipc: "CLONE_NEWIPC",
  uts: "CLONE_NEWUTS",
  user: "CLONE_NEWUSER",
  cgroup: "CLONE_NEWCGROUP",
};

/** The /proc/PID/ns file of each type. */
export const NAMESPACE_FILES: Record<NamespaceType, string> = {
  pid: "pid",
  network: "net",
  mount: "mnt",
  ipc: "ipc",
  uts: "uts",
  user: "user",
  cgroup: "cgroup",
};
