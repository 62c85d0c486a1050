import type { LimitFlags } from "./limits.ts";
import type { MountRequest } from "./mount-flags.ts";
import type { IdMapping } from "./types.ts";
import type { SecurityOptions } from "./security-opts.ts";

/** What a user asked `minic run` for, after parsing and before any check against the system. */
export interface RunOptions {
  rootfs: string;
  command: string[];
  name: string | null;
  hostname: string | null;
  /** Raw -e values: `K=V` sets, `K` copies K from minic's own environment. */
  env: string[];
  workdir: string | null;
  /** -u USER[:GROUP], names resolved in the container's /etc/passwd and /etc/group. */
  user: string | null;
  remove: boolean;
  readOnly: boolean;
  network: "host" | "none";
  /** --cgroup-parent: where the container's cgroup goes in each hierarchy (default "minic"). */
  cgroupParent: string | null;
  /** --uidmap and --gidmap: with either, the container gets a user namespace of its own. */
  uidMap: IdMapping[];
  gidMap: IdMapping[];
  /** --security-opt: the seccomp profile and no-new-privileges. */
  security: SecurityOptions;
  /** -v, --tmpfs and --mount, in the order given. */
  mounts: MountRequest[];
  interactive: boolean;
  /** -t: a terminal for the container, from its own devpts. */
  tty: boolean;
  /** --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit as typed. */
  limits: LimitFlags;
  dryRun: boolean;
}

export const DEFAULT_COMMAND = ["/bin/sh"];
export const DEFAULT_ROOTFS = "./rootfs";
