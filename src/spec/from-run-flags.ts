import {
  DEFAULT_CAPABILITIES,
  DEFAULT_DEVICES,
  DEFAULT_MOUNTS,
  MASKED_PATHS,
  READONLY_PATHS,
} from "./defaults.ts";
import { containerEnv } from "./env.ts";
import { MinicError } from "../errors.ts";
import { resourcesFromFlags } from "./limits.ts";
import type { RunOptions } from "./run-options.ts";
import { OCI_VERSION, type NamespaceType, type Spec, type SpecMount } from "./types.ts";
import type { MountRequest } from "./mount-flags.ts";

/** Facts about this container that the runtime settles before the spec is built. */
export interface SpecContext {
  id: string;
  name: string;
  /** Absolute path of the base rootfs. */
  rootfs: string;
  /** HOME for the workload, from the rootfs's /etc/passwd. */
  home: string;
  callerEnv: Record<string, string | undefined>;
  /** CPUs this host gives minic: --cpus may not ask for more. */
  hostCpus: number;
}

const HOST_NAME_MAX = 64;

function specMount(request: MountRequest): SpecMount {
  if (request.type === "bind") {
    return {
      destination: request.destination,
      type: "bind",
      source: request.source,
      options: ["rbind", request.readonly ? "ro" : "rw"],
    };
  }
  return { destination: request.destination, type: "tmpfs", source: "tmpfs", options: [...request.options] };
}

/** `minic run` flags to an OCI-shaped spec. Pure: no file system, no clock. */
export function buildSpec(options: RunOptions, context: SpecContext): Spec {
  const hostname = options.hostname ?? context.name.slice(0, HOST_NAME_MAX);
  if (hostname.length === 0 || hostname.length > HOST_NAME_MAX || /[\s\0/]/.test(hostname)) {
    throw new MinicError(`invalid hostname "${hostname}": 1 to ${HOST_NAME_MAX} characters, no spaces or slashes`);
  }
  const cwd = options.workdir ?? "/";
  if (!cwd.startsWith("/")) {
    throw new MinicError(`the working directory "${cwd}" is invalid: it needs to be an absolute path`);
  }
  if (options.command.length === 0 || options.command[0] === "") {
    throw new MinicError("no command given");
  }
  for (const arg of [...options.command, cwd]) {
    if (arg.includes("\0")) throw new MinicError("arguments cannot contain NUL bytes");
  }

  const resources = resourcesFromFlags(options.limits, context.hostCpus);
  const namespaces: { type: NamespaceType }[] = [
    { type: "pid" },
    { type: "ipc" },
    { type: "uts" },
    { type: "mount" },
    { type: "cgroup" },
  ];
  if (options.network === "none") namespaces.push({ type: "network" });

  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: options.tty,
      user: { uid: 0, gid: 0 },
      args: [...options.command],
      env: containerEnv(options.env, { hostname, home: context.home, terminal: options.tty }, context.callerEnv),
      cwd,
      capabilities: {
        bounding: [...DEFAULT_CAPABILITIES],
        effective: [...DEFAULT_CAPABILITIES],
        permitted: [...DEFAULT_CAPABILITIES],
        ambient: [],
      },
    },
    root: { path: context.rootfs, readonly: options.readOnly },
    hostname,
    mounts: [
      ...DEFAULT_MOUNTS.map((mount) => ({ ...mount, options: [...mount.options] })),
      ...options.mounts.map(specMount),
    ],
    linux: {
      namespaces,
      devices: DEFAULT_DEVICES.map((device) => ({ ...device })),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      rootfsPropagation: "rprivate",
      resources,
      cgroupsPath: `minic/${context.id}`,
    },
    annotations: {
      "org.minic.id": context.id,
      "org.minic.name": context.name,
    },
  };
}
