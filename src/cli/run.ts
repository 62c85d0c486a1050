// `minic run`: its flags, parsed into RunOptions (shared with `minic create`), and the verb.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { cniNetworkOf, DEFAULT_ROOTFS, type NetworkMode, type RunOptions } from "../spec/run-options.ts";
import { parseIdMapFlag } from "../spec/id-maps.ts";
import { parseSecurityOpts } from "../spec/security-opts.ts";
import { parseCapability } from "../spec/capabilities.ts";
import { NO_RESTART, parseRestartPolicy, type RestartPolicy } from "../spec/restart-policy.ts";
import { checkDnsServer, parseAddHost } from "../spec/etc-files.ts";
import { parsePublish } from "../spec/ports.ts";
import { parseDeviceCgroupRule, parseDeviceFlag } from "../spec/device-flags.ts";
import { parseOomScoreAdj, parseSysctl, parseUlimit } from "../spec/process-flags.ts";
import { checkDistinctDestinations, parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from "../spec/mount-flags.ts";
import { booleanFlag, listFlag, parseCommandLine, stringFlag, type FlagSpec, type FlagValues } from "./argv.ts";
import { type Command, commandDefinition, printUsage } from "./command.ts";
import { COMMON_ENVIRONMENT, RUN_EXIT_CODES } from "./help.ts";
import { writeStdout } from "../output.ts";

export const RUN_FLAGS: FlagSpec[] = [
  { name: "rootfs", kind: "string", valueHint: "DIR", description: `Root filesystem to run on, never modified (default ${DEFAULT_ROOTFS})` },
  { name: "name", kind: "string", valueHint: "NAME", description: "Name the container (unique; default: generated)" },
  { name: "hostname", kind: "string", valueHint: "NAME", description: "Hostname inside the container (default: the container's name)" },
  { name: "env", short: "e", kind: "list", valueHint: "K=V", description: "Set an environment variable; -e K copies K from your environment (repeatable)" },
  { name: "env-file", kind: "list", valueHint: "FILE", description: "Read environment variables from a file, a K=V or K a line, # comments (repeatable; -e wins)" },
  { name: "entrypoint", kind: "string", valueHint: "CMD", description: "Run CMD instead of the image's ENTRYPOINT (\"\" for none); the image's CMD is then dropped" },
  { name: "volume", short: "v", kind: "list", valueHint: "HOST:CTR[:ro|rw]", description: "Bind mount a host file or directory (a missing directory is created) (repeatable)" },
  { name: "tmpfs", kind: "list", valueHint: "PATH[:OPTS]", description: "Mount a private tmpfs (default nosuid,nodev,mode=1777; OPTS like size=64m,mode=0755) (repeatable)" },
  { name: "mount", kind: "list", valueHint: "SPEC", description: "Long form, comma-separated: type=bind|tmpfs, source=HOST, target=CTR, and readonly, tmpfs-size=S or tmpfs-mode=M as needed (repeatable)" },
  { name: "user", short: "u", kind: "string", valueHint: "USER[:GROUP]", description: "Run as this user (name or uid) and group (name or gid), from the container's /etc/passwd and /etc/group" },
  { name: "workdir", short: "w", kind: "string", valueHint: "DIR", description: "Working directory inside the container, created if missing" },
  { name: "interactive", short: "i", kind: "boolean", description: "Keep stdin open and connected to the container" },
  { name: "tty", short: "t", kind: "boolean", description: "Allocate a terminal for the container (-it for an interactive shell)" },
  { name: "rm", kind: "boolean", description: "Remove the container and its writable layer when it exits" },
  { name: "detach", short: "d", kind: "boolean", description: "Run in the background, watched by conmon; print the container's id" },
  { name: "network-alias", kind: "list", valueHint: "NAME", description: "Another name peers on its user network find the container by (repeatable)" },
  { name: "publish", short: "p", kind: "list", valueHint: "[IP:][HOSTPORT:]PORT[/PROTO]", description: "Publish a container port (or range) on the host; on the bridge or a user network (repeatable)" },
  { name: "publish-all", short: "P", kind: "boolean", description: "Publish every port the image exposes on a free host port (bridge or user network)" },
  { name: "dns", kind: "list", valueHint: "IP", description: "A nameserver for the container's resolv.conf instead of the host's (repeatable)" },
  { name: "dns-search", kind: "list", valueHint: "DOMAIN", description: "A search domain for the container's resolv.conf (repeatable)" },
  { name: "dns-option", kind: "list", valueHint: "OPTION", description: "An options entry for the container's resolv.conf, e.g. ndots:2 (repeatable)" },
  { name: "add-host", kind: "list", valueHint: "NAME:IP", description: "A line for the container's /etc/hosts (IP may be host-gateway) (repeatable)" },
  { name: "label", short: "l", kind: "list", valueHint: "K=V", description: "Set a label on the container (repeatable)" },
  { name: "label-file", kind: "list", valueHint: "FILE", description: "Read labels from a file, a K=V a line, # comments (repeatable)" },
  { name: "restart", kind: "string", valueHint: "POLICY", description: "Start the container again when it exits: no (default), on-failure[:N], always, unless-stopped" },
  { name: "init", kind: "boolean", description: "Run an init (tini) as PID 1 that reaps zombies and forwards signals to the command" },
  { name: "stop-signal", kind: "string", valueHint: "SIGNAL", description: "Signal minic stop sends first (default: the image's STOPSIGNAL, else SIGTERM)" },
  { name: "stop-timeout", kind: "string", valueHint: "SECONDS", description: "Seconds minic stop waits before SIGKILL (default 10)" },
  { name: "read-only", kind: "boolean", description: "Mount the container's root filesystem read-only" },
  { name: "memory", short: "m", kind: "string", valueHint: "SIZE", description: "Memory limit, at least 6m (units b, k, m, g); OOM kills exit 137" },
  { name: "memory-swap", kind: "string", valueHint: "SIZE", description: "Memory plus swap limit (-1: unlimited swap; default: twice --memory)" },
  { name: "cpus", kind: "string", valueHint: "DECIMAL", description: "CPUs the container may use, e.g. 0.5 (CFS quota over a 100ms period)" },
  { name: "cpu-shares", short: "c", kind: "string", valueHint: "N", description: "Relative CPU weight against other cgroups (default 1024)" },
  { name: "pids-limit", kind: "string", valueHint: "N", description: "Most processes and threads the container may have at once" },
  { name: "cgroup-parent", kind: "string", valueHint: "PATH", description: "Parent of the container's cgroup in each hierarchy (default minic)" },
  { name: "cap-add", kind: "list", valueHint: "CAP", description: "Add a Linux capability (NET_ADMIN or CAP_NET_ADMIN, ALL) (repeatable)" },
  { name: "cap-drop", kind: "list", valueHint: "CAP", description: "Drop a Linux capability (ALL drops every one) (repeatable)" },
  { name: "privileged", kind: "boolean", description: "Every capability and host device, no seccomp filter, no masked paths, /sys writable" },
  { name: "device", kind: "list", valueHint: "HOST[:CTR][:rwm]", description: "Give the container a host device node, allowed in its device cgroup (repeatable)" },
  { name: "device-cgroup-rule", kind: "list", valueHint: "RULE", description: "Also allow devices by rule, e.g. 'c 1:3 rwm' or 'b 7:* r' (repeatable)" },
  { name: "ulimit", kind: "list", valueHint: "NAME=SOFT[:HARD]", description: "Set a resource limit, e.g. nofile=1024:2048 (repeatable)" },
  { name: "sysctl", kind: "list", valueHint: "K=V", description: "Set a namespaced kernel parameter (net.* with --network none, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) (repeatable)" },
  { name: "oom-score-adj", kind: "string", valueHint: "N", description: "The workload's OOM score adjustment, -1000 to 1000" },
  { name: "security-opt", kind: "list", valueHint: "OPT", description: "seccomp=unconfined|PROFILE.json (Docker's profile format), no-new-privileges[=true|false] (repeatable)" },
  { name: "uidmap", kind: "list", valueHint: "CTR:HOST:N", description: "Run in a user namespace where N uids from CTR are the host's from HOST (repeatable; e.g. 0:100000:65536)" },
  { name: "gidmap", kind: "list", valueHint: "CTR:HOST:N", description: "Likewise for gids (default: the same as --uidmap)" },
  { name: "userns", kind: "string", valueHint: "host|auto", description: "host: no user namespace, as Docker's default (rootless: the user's own ids); auto: 65536 ids no other container has (root only)" },
  { name: "network", kind: "string", valueHint: "NETWORK", description: "bridge (default): its own on bridge minic0 with NAT (rootless: behind slirp4netns); host: share the host's network; slirp4netns: its own behind slirp4netns; none: only a loopback interface; container:NAME: that running container's; NAME: a network made with minic network create" },
  { name: "dry-run", kind: "boolean", description: "Print the spec and the plan as JSON instead of running them" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];

export interface RunRequest {
  help: boolean;
  options: RunOptions;
}

export function parseRunArgs(argv: string[], command = "run"): RunRequest {
  const { flags, positionals } = parseCommandLine(argv, RUN_FLAGS, command);
  const network = parseNetwork(stringFlag(flags, "network") ?? "bridge");
  if ((listFlag(flags, "publish").length > 0 || booleanFlag(flags, "publish-all")) && cniNetworkOf(network) === null && network !== "slirp4netns") {
    throw new MinicError(`published ports need the bridge or a user network, not --network ${stringFlag(flags, "network") ?? ""}: ${network === "host" ? "with the host's network a container's ports are the host's already" : "nothing could reach them"}`);
  }
  if (listFlag(flags, "network-alias").length > 0 && !network.startsWith("network:")) {
    throw new MinicError("--network-alias needs a user network (--network NAME), as in Docker");
  }
  // Joining another container's network is joining its names and resolver too, as Docker refuses these.
  if (network.startsWith("container:")) {
    const conflicting = [["hostname", "hostname"], ["dns", "dns"], ["dns-search", "dns"], ["dns-option", "dns"], ["add-host", "custom host-to-IP mapping"]].find(([flag]) => (flag === "hostname" ? stringFlag(flags, flag) !== null : listFlag(flags, flag ?? "").length > 0));
    if (conflicting !== undefined) throw new MinicError(`conflicting options: ${conflicting[1]} and the network mode (--${conflicting[0]} with --network ${stringFlag(flags, "network") ?? ""})`);
  }
  const security = parseSecurityOpts(listFlag(flags, "security-opt"));
  const privileged = booleanFlag(flags, "privileged");
  if (privileged && security.seccomp !== null && security.seccomp !== "unconfined") {
    throw new MinicError("--privileged runs without a seccomp filter: it cannot be combined with --security-opt seccomp=PROFILE");
  }
  const oomScoreAdj = stringFlag(flags, "oom-score-adj");
  return {
    help: booleanFlag(flags, "help"),
    options: {
      rootfs: stringFlag(flags, "rootfs") ?? DEFAULT_ROOTFS,
      command: positionals,
      entrypoint: stringFlag(flags, "entrypoint"),
      envFiles: listFlag(flags, "env-file"),
      name: stringFlag(flags, "name"),
      hostname: stringFlag(flags, "hostname"),
      env: listFlag(flags, "env"),
      workdir: stringFlag(flags, "workdir"),
      user: stringFlag(flags, "user"),
      remove: booleanFlag(flags, "rm"),
      detach: booleanFlag(flags, "detach"),
      init: booleanFlag(flags, "init"),
      networkAliases: listFlag(flags, "network-alias").map((alias) => checkAlias(alias)),
      publish: listFlag(flags, "publish").flatMap(parsePublish),
      publishAll: booleanFlag(flags, "publish-all"),
      dns: { servers: listFlag(flags, "dns").map(checkDnsServer), search: listFlag(flags, "dns-search"), options: listFlag(flags, "dns-option") },
      addHosts: listFlag(flags, "add-host").map(parseAddHost),
      labels: listFlag(flags, "label"),
      labelFiles: listFlag(flags, "label-file"),
      restart: parseRestart(stringFlag(flags, "restart"), booleanFlag(flags, "rm")),
      stopSignal: stringFlag(flags, "stop-signal"),
      stopTimeout: parseStopTimeout(stringFlag(flags, "stop-timeout")),
      readOnly: booleanFlag(flags, "read-only"),
      network,
      cgroupParent: stringFlag(flags, "cgroup-parent"),
      security,
      capAdd: listFlag(flags, "cap-add").map((value) => parseCapability("cap-add", value)),
      capDrop: listFlag(flags, "cap-drop").map((value) => parseCapability("cap-drop", value)),
      privileged,
      devices: listFlag(flags, "device").map(parseDeviceFlag),
      deviceCgroupRules: listFlag(flags, "device-cgroup-rule").map(parseDeviceCgroupRule),
      ulimits: listFlag(flags, "ulimit").map(parseUlimit),
      sysctls: Object.fromEntries(listFlag(flags, "sysctl").map((value) => parseSysctl(value, network === "none" || cniNetworkOf(network) !== null))),
      oomScoreAdj: oomScoreAdj === null ? null : parseOomScoreAdj(oomScoreAdj),
      uidMap: listFlag(flags, "uidmap").map((value) => parseIdMapFlag("uidmap", value)),
      gidMap: listFlag(flags, "gidmap").map((value) => parseIdMapFlag("gidmap", value)),
      userns: parseUserns(stringFlag(flags, "userns"), listFlag(flags, "uidmap").length + listFlag(flags, "gidmap").length > 0),
      mounts: parseMounts(flags),
      interactive: booleanFlag(flags, "interactive"),
      tty: booleanFlag(flags, "tty"),
      limits: {
        memory: stringFlag(flags, "memory"),
        memorySwap: stringFlag(flags, "memory-swap"),
        cpus: stringFlag(flags, "cpus"),
        cpuShares: stringFlag(flags, "cpu-shares"),
        pidsLimit: stringFlag(flags, "pids-limit"),
      },
      dryRun: booleanFlag(flags, "dry-run"),
    },
  };
}

/** A name for /etc/hosts: a host name's characters, nothing that could start another line. */
export function checkAlias(text: string, flag = "--network-alias"): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$/.test(text)) throw new MinicError(`invalid ${flag} "${text}": expected a host name`);
  return text;
}

function parseUserns(text: string | null, mapped: boolean): "host" | "auto" {
  if (text === null || text === "host") return "host";
  if (text !== "auto") throw new MinicError(`invalid --userns "${text}": expected host or auto`);
  if (mapped) throw new MinicError("--userns auto chooses the maps itself: it cannot be combined with --uidmap or --gidmap");
  return "auto";
}

function parseNetwork(text: string): NetworkMode {
  if (text === "host" || text === "none" || text === "bridge" || text === "slirp4netns") return text;
  if (text === "default") return "bridge";
  if (/^container:[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(text)) return text as NetworkMode;
  // A user network's name (whether it exists is the runtime's to say).
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(text)) return `network:${text}`;
  throw new MinicError(`invalid --network "${text}": expected bridge, host, none, slirp4netns, container:NAME or a network's name`);
}

function parseRestart(text: string | null, remove: boolean): RestartPolicy {
  const policy = text === null ? NO_RESTART : parseRestartPolicy(text);
  // Docker's refusal: a container removed at its exit cannot be started again.
  if (remove && policy.name !== "no") throw new MinicError("conflicting options: --restart and --rm");
  return policy;
}

function parseStopTimeout(text: string | null): number | null {
  if (text === null) return null;
  if (!/^\d+$/.test(text)) throw new MinicError(`invalid --stop-timeout "${text}": expected a number of seconds`);
  return Number(text);
}

/** -v first, then --mount, then --tmpfs: each kind in the order given (the plan sorts by depth). */
function parseMounts(flags: FlagValues): MountRequest[] {
  const mounts = [
    ...listFlag(flags, "volume").map(parseVolumeFlag),
    ...listFlag(flags, "mount").map(parseMountFlag),
    ...listFlag(flags, "tmpfs").map(parseTmpfsFlag),
  ];
  checkDistinctDestinations(mounts);
  return mounts;
}

export const runDefinition: CommandDef = commandDefinition("run", {
  usage: "minic run [OPTIONS] [COMMAND [ARG...]]",
  description: "Run a command in a new container",
  flags: RUN_FLAGS,
  examples: ["minic run --rm --rootfs ./rootfs sh -c 'hostname; id'", "minic run -it --rm --rootfs ./rootfs sh", "minic run -d --name web -p 8080:80 --rootfs ./rootfs httpd -f -p 80", "minic run --rm --memory 64m --cpus 0.5 --network none --rootfs ./rootfs ./job"],
  environment: COMMON_ENVIRONMENT,
  exitCodes: RUN_EXIT_CODES,
}, {
    command: { type: "positional", required: false, description: "Command to run as PID 1 (default: the image's ENTRYPOINT and CMD from minic build, else /bin/sh), followed by its arguments; options end at the command" },
  });

/** --dry-run: the spec and the plan as JSON; nothing is created. */
export async function printPlan(options: RunOptions): Promise<number> {
  const { prepareRun } = await import("../container/run.ts");
  const { spec, plan } = prepareRun(options, undefined, { claim: false });
  writeStdout(`${JSON.stringify({ spec, plan }, null, 2)}\n`);
  return 0;
}

export const command: Command = {
  definition: runDefinition,
  async handle(argv) {
    const { help, options } = parseRunArgs(argv);
    if (help) return printUsage(runDefinition);
    if (options.dryRun) return printPlan(options);
    try {
      if (options.detach) {
        const { runDetached } = await import("../container/run-detached.ts");
        writeStdout(`${await runDetached(options)}\n`);
        return 0;
      }
      const { runContainer } = await import("../container/run.ts");
      return await runContainer(options);
    } catch (error) {
      const { withImageHint } = await import("../container/setup-error.ts");
      throw withImageHint(error);
    }
  },
};
