import type { Op } from "./ops.ts";

/** An op as a user reads it in an error: `mount proc on /proc`, `mkdir /dev/pts`. */
export function describeOp(op: Op): string {
  switch (op.op) {
    case "mount":
    case "mount-in-root":
      if (op.flags.includes("MS_REMOUNT")) return `remount ${op.target}${op.flags.includes("MS_RDONLY") ? " read-only" : ""}`;
      if (op.flags.includes("MS_BIND")) return `bind mount ${op.source} on ${op.target}`;
      if (op.source === null) return `change propagation of ${op.target}`;
      return `mount ${op.fstype ?? op.source} on ${op.target}`;
    case "mkdir":
      return `mkdir ${op.path}`;
    case "mknod":
      return `mknod ${op.path}`;
    case "symlink":
      return `symlink ${op.path} -> ${op.target}`;
    case "symlink-in-root":
      return `symlink ${op.dir}/${op.name} -> ${op.target}`;
    case "chdir":
      return `chdir ${op.path}`;
    case "pivot_root":
      return "pivot_root into the container's root";
    case "chroot":
      return `chroot into ${op.path}`;
    case "umount2":
      return `unmount ${op.target}`;
    case "sethostname":
      return `sethostname ${op.hostname}`;
    case "setdomainname":
      return `setdomainname ${op.domainname}`;
    case "personality":
      return `set the personality ${op.persona === 8 ? "LINUX32" : "LINUX"}`;
    case "wait-parent":
      return "wait for minic";
    case "wait-hooks":
      return "wait for the createRuntime and createContainer hooks";
    case "umask":
      return `umask ${op.mask}`;
    case "redirect":
      return `open ${op.path} as fd ${op.fd}`;
    case "link-up":
      return `bring up ${op.interface}`;
    case "bounding":
      return "drop capabilities from the bounding set";
    case "capabilities":
      return "set capabilities";
    case "user":
      if (op.additionalGids === null) return `switch to user ${op.uid}:${op.gid}, keeping the groups`;
      return `switch to user ${op.uid}:${op.gid}${op.additionalGids.length > 0 ? ` (groups ${op.additionalGids.join(",")})` : ""}`;
    case "seccomp":
      return "install the seccomp filter";
    case "session-keyring":
      return `join a new session keyring ${op.name}`;
    case "no-new-privs":
      return "set no_new_privs";
    case "rlimit":
      return `set ${op.resource} to ${op.soft}:${op.hard}`;
    case "write-file":
      return `write ${op.content} to ${op.path}`;
    case "close-fds":
      return "close inherited file descriptors";
    case "mask":
      return `mask ${op.path}`;
    case "open-root":
      return `open the container's root ${op.path}`;
    case "mkpath-in-root":
      return `create ${op.path} in the container`;
    case "readonly-in-root":
      return `make ${op.path} read-only`;
    case "terminal":
      return "set up the container's terminal";
    case "open-file":
      return `open ${op.path}`;
    case "write-slot":
      return "join the container's cgroup";
    case "clone-tree":
      return `copy the mount of ${op.path}`;
    case "attach-tree":
      return `mount the container's cgroup on ${op.target}`;
    case "attach-tree-at":
      return `mount the container's root on ${op.target}`;
    case "enter-root":
      return "enter the container's root";
    case "unshare":
      return `create namespaces (${op.flags.join(", ")})`;
    case "setns":
      return `join the ${op.type} namespace ${op.path}`;
    case "check-command":
    case "execve":
      return `exec ${op.file}`;
    case "wait-start":
      return "wait for start";
    case "unblock-signals":
      return "unblock signals";
    case "fork-beside":
      return "go on in a copy born in the joined PID namespace";
    case "no-dump":
      return "make its /proc files unreachable";
  }
}
