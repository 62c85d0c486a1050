// RunOptions as `minic run` with no flags would give them, for unit tests to change a field of.
import { ALL_CAPABILITIES } from "../../src/spec/capabilities.ts";
import { NO_LIMITS } from "../../src/spec/limits.ts";
import type { SpecContext } from "../../src/spec/from-run-flags.ts";
import type { RunOptions } from "../../src/spec/run-options.ts";

export function runOptions(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    rootfs: "R", command: ["echo", "hi"], entrypoint: null, envFiles: [], name: null, hostname: null, env: [], workdir: null, user: null,
    remove: false, networkAliases: [], publish: [], publishAll: false, dns: { servers: [], search: [], options: [] }, addHosts: [], labels: [], labelFiles: [], restart: { name: "no", maxRetries: 0 }, init: false, detach: false, stopSignal: null, stopTimeout: null, readOnly: false, network: "host", cgroupParent: null, interactive: false, tty: false, dryRun: false,
    mounts: [], limits: NO_LIMITS, uidMap: [], gidMap: [], userns: "host", security: { seccomp: null, noNewPrivileges: false },
    capAdd: [], capDrop: [], privileged: false, devices: [], deviceCgroupRules: [], ulimits: [], sysctls: {}, oomScoreAdj: null,
    ...overrides,
  };
}

/** What the runtime settles before building a spec, for a busybox rootfs run by root. */
export function specContext(overrides: Partial<SpecContext> = {}): SpecContext {
  return {
    id: "id", name: "n", rootfs: "/rootfs", user: { uid: 0, gid: 0, additionalGids: [], home: "/root" }, callerEnv: {}, hostCpus: 2,
    seccomp: null, arch: "x64", kernel: "6.18.0", devices: [], hostCapabilities: [...ALL_CAPABILITIES],
    ...overrides,
  };
}
