// runc's `spec [--bundle DIR]`: a config.json to start a bundle from, with minic's defaults
// (Docker's capabilities, mounts, masked and read-only paths, seccomp left out: the runtime adds
// its default only for its own `run`).
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [
  { name: "bundle", short: "b", kind: "string", valueHint: "DIR", description: "Where to write config.json (default: the current directory)" },
  { name: "rootless", kind: "boolean", description: "For an ordinary user, as runc's: a user namespace mapping root to the caller, no device rules, no gid= mount options" },
];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "spec");
    if (positionals.length > 0) throw new MinicError("spec takes no arguments");
    const path = join(stringFlag(flags, "bundle") ?? ".", "config.json");
    if (existsSync(path)) throw new MinicError(`${path} exists: remove it first`);
    const { DEFAULT_CAPABILITIES, DEFAULT_DEVICE_RULES, DEFAULT_MOUNTS, MASKED_PATHS, READONLY_PATHS } = await import("../../spec/defaults.ts");
    const { OCI_VERSION } = await import("../../spec/types.ts");
    const capabilities = [...DEFAULT_CAPABILITIES];
    const config = {
      ociVersion: OCI_VERSION,
      process: {
        terminal: true,
        user: { uid: 0, gid: 0 },
        args: ["sh"],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        cwd: "/",
        capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
        rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
        noNewPrivileges: true,
      },
      root: { path: "rootfs", readonly: true },
      hostname: "minic",
      // minic's own cgroup view is not an OCI mount type: a bundle gets the plain ones.
      mounts: DEFAULT_MOUNTS.filter((mount) => mount.type !== "cgroup"),
      linux: {
        resources: { devices: DEFAULT_DEVICE_RULES.slice(0, 1) },
        namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" }],
        maskedPaths: MASKED_PATHS,
        readonlyPaths: READONLY_PATHS,
      },
    };
    writeFileSync(path, `${JSON.stringify(booleanFlag(flags, "rootless") ? rootlessConfig(config) : config, null, "\t")}\n`);
    return 0;
  },
};

/**
 * runc's `spec --rootless`: a user namespace whose root is the caller (its only id), no cgroup
 * resources (an ordinary user has none to write), and no gid= option the single mapping cannot
 * satisfy (devpts's tty group).
 */
function rootlessConfig<T extends { mounts: { options?: string[] }[]; linux: { resources: unknown; namespaces: { type: string }[] } }>(config: T): T {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  return {
    ...config,
    mounts: config.mounts.map((mount) => ({ ...mount, options: (mount.options ?? []).filter((option) => !option.startsWith("gid=")) })),
    linux: {
      ...config.linux,
      resources: {},
      namespaces: [...config.linux.namespaces, { type: "user" }],
      uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
    },
  };
}
