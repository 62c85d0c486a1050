// The vocabulary of plans: each op is one step the native executor takes in the child, in order.
// Modes are octal strings so that a printed plan (`minic run --dry-run`) reads well. How each op
// travels to the executor is src/plan/encode.ts; what each does is native/child.c.
import type { Capability, CloneFlag, MountFlag, RlimitName } from "./linux.ts";
import type { NamespaceType } from "../spec/types.ts";

export type Op =
  | { op: "mount"; source: string | null; target: string; fstype: string | null; flags: MountFlag[]; data: string | null; optional?: boolean }
  | { op: "mkdir"; path: string; mode: string }
  | { op: "mknod"; path: string; type: "c" | "b" | "p"; mode: string; major: number; minor: number; uid: number; gid: number }
  | { op: "symlink"; target: string; path: string }
  | { op: "chdir"; path: string }
  | { op: "pivot_root"; newRoot: string; putOld: string }
  /** Where pivot_root cannot be used: without a mount namespace of the container's own, or as
   *  runc's --no-pivot asks (after the root was moved onto /). */
  | { op: "chroot"; path: string }
  | { op: "umount2"; target: string; detach: boolean }
  | { op: "sethostname"; hostname: string }
  | { op: "setdomainname"; domainname: string }
  /** The execution domain the process runs in (personality(2)): 0 Linux, 8 Linux32. */
  | { op: "personality"; persona: number }
  /** Block until the parent writes a byte: it records the pid (and writes uid maps) first. */
  | { op: "wait-parent" }
  /** Tell the parent the namespaces and mounts are made, and wait while it runs the hooks that want them. */
  | { op: "wait-hooks" }
  | { op: "umask"; mask: string }
  | { op: "redirect"; path: string; fd: number; write: boolean }
  | { op: "link-up"; interface: string }
  /** Drop every capability not in `keep` from the bounding set (before the user changes). */
  | { op: "bounding"; keep: Capability[] }
  | { op: "capabilities"; effective: Capability[]; permitted: Capability[]; inheritable: Capability[]; ambient: Capability[] }
  /** setgroups, setresgid, setresuid, keeping permitted capabilities for the capabilities op. */
  /** additionalGids null: the groups stay as they are (setgroups is denied in this user namespace). */
  | { op: "user"; uid: number; gid: number; additionalGids: number[] | null }
  | { op: "no-new-privs" }
  /** Install a seccomp filter: `program` is its struct sock_filter array, in base64. */
  | { op: "seccomp"; program: string }
  /** Join a new session keyring of this name (keyctl KEYCTL_JOIN_SESSION_KEYRING). */
  | { op: "session-keyring"; name: string }
  | { op: "rlimit"; resource: RlimitName; soft: number; hard: number }
  | { op: "write-file"; path: string; content: string }
  | { op: "close-fds"; from: number }
  /** Bind `fileSource` over a file; mount a `dirFstype` with `dirFlags` over a directory. */
  | { op: "mask"; path: string; fileSource: string; dirFstype: string; dirFlags: MountFlag[] }
  | { op: "open-root"; path: string }
  /** Missing components made inside the root; the last is a file when `kindOf` (a bind source) is not a directory. */
  | { op: "mkpath-in-root"; path: string; dirMode: string; fileMode: string; kindOf: string | null }
  | { op: "mount-in-root"; source: string | null; target: string; fstype: string | null; flags: MountFlag[]; data: string | null }
  | { op: "readonly-in-root"; path: string }
  | { op: "terminal" }
  | { op: "open-file"; path: string; flags: number; slot: number }
  /** Write `content` to the fd in `slot`, then close it (joining a cgroup: "0"). */
  | { op: "write-slot"; slot: number; content: string }
  | { op: "clone-tree"; path: string; slot: number; readonly: boolean }
  /** Attach the detached tree in `slot` at `target`, resolved inside the root. */
  | { op: "attach-tree"; slot: number; target: string }
  /** Attach the tree in `slot` at the path `target` (before the root is entered). */
  | { op: "attach-tree-at"; slot: number; target: string }
  /** Make the root opened by open-root the working directory (no host path looked up again). */
  | { op: "enter-root" }
  /** A symlink `name` -> `target` in the directory `dir`, resolved inside the root. */
  | { op: "symlink-in-root"; target: string; dir: string; name: string }
  | { op: "unshare"; flags: CloneFlag[] }
  | { op: "setns"; path: string; type: NamespaceType }
  /** Find the command as execve would, without running it: a missing one fails here, at create. */
  | { op: "check-command"; file: string; searchPath: string }
  /** Report ready, then wait for `start` (nothing to wait for when the job has no start fd). */
  | { op: "wait-start" }
  | { op: "unblock-signals" }
  /** A copy goes on with the plan as the spawner's own child, born where this process's children
   *  are (a PID namespace joined by setns takes effect only for children); this one ends. */
  | { op: "fork-beside" }
  /** No process may open this one's /proc files from here on (a rootless child was dumpable for
   *  its parent's helpers until now). */
  | { op: "no-dump" }
  | { op: "execve"; file: string; searchPath: string; argv: string[]; env: string[] };

export type OpName = Op["op"];
