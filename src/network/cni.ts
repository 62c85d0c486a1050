// Running CNI plugins (Debian's containernetworking-plugins) as a CNI runtime does (libcni's
// conflist rules): ADD through the list in order, each plugin given the previous one's result;
// DEL in reverse order, each given the ADD's result. A plugin is an executable that reads its
// configuration on stdin and the operation from its environment.
import { MinicError } from "../errors.ts";

export const CNI_PATH = "/usr/lib/cni";
export const CNI_VERSION = "1.0.0";

export interface NetworkList {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
}

export interface CniTarget {
  /** The container's id (host-local IPAM keys its lease by it). */
  containerId: string;
  /** The network namespace file. */
  netns: string;
  ifname: string;
}

/** The result an ADD returns (what minic reads of it: the addresses). */
export interface CniResult {
  ips?: { address: string; gateway?: string }[];
  [key: string]: unknown;
}

function runPlugin(command: "ADD" | "DEL", config: Record<string, unknown>, target: CniTarget): CniResult | null {
  const type = String(config.type);
  const plugin = `${CNI_PATH}/${type}`;
  const result = Bun.spawnSync([plugin], {
    stdin: new TextEncoder().encode(JSON.stringify(config)),
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: target.containerId,
      CNI_NETNS: target.netns,
      CNI_IFNAME: target.ifname,
      CNI_PATH,
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = result.stdout.toString();
  if (result.exitCode !== 0) {
    let message = result.stderr.toString().trim() || `exit status ${result.exitCode}`;
    try {
      const parsed = JSON.parse(out) as { msg?: string; details?: string };
      if (parsed.msg) message = parsed.details ? `${parsed.msg}: ${parsed.details}` : parsed.msg;
    } catch {
      // not the plugin's JSON error
    }
    // One line, whatever the plugin's (its details end with the tool's own stderr, newline and all).
    throw new MinicError(`CNI plugin ${type} (${command}) failed: ${message.trim().split(/\s*\n\s*/).join("; ")}`);
  }
  if (command === "DEL" || out.trim() === "") return null;
  return JSON.parse(out) as CniResult;
}

/** ADD through the list; the last plugin's result. On a failure the plugins done are undone. */
export function cniAdd(list: NetworkList, target: CniTarget, runtimeConfig: Record<string, unknown> = {}): CniResult {
  let previous: CniResult | null = null;
  const done: Record<string, unknown>[] = [];
  try {
    for (const plugin of list.plugins) {
      const config = withRuntimeConfig({ cniVersion: list.cniVersion, name: list.name, ...plugin, ...(previous === null ? {} : { prevResult: previous }) }, runtimeConfig);
      // Counted before it runs: one that fails half-way may have made something, and DEL is
      // every plugin's to take back what it has of this container.
      done.push(plugin);
      previous = runPlugin("ADD", config, target) ?? previous;
    }
  } catch (error) {
    try {
      cniDel({ ...list, plugins: done }, target, previous, runtimeConfig);
    } catch {
      // the ADD's failure is the one to report
    }
    throw error;
  }
  return previous ?? {};
}

/** DEL in reverse order. Every plugin is asked even when one fails; the first failure is thrown. */
export function cniDel(list: NetworkList, target: CniTarget, added: CniResult | null, runtimeConfig: Record<string, unknown> = {}): void {
  let failure: unknown = null;
  for (const plugin of [...list.plugins].reverse()) {
    try {
      runPlugin("DEL", withRuntimeConfig({ cniVersion: list.cniVersion, name: list.name, ...plugin, ...(added === null ? {} : { prevResult: added }) }, runtimeConfig), target);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== null) throw failure;
}

/** What a plugin declares it takes (its `capabilities`) from the runtime's settings. */
function withRuntimeConfig(config: Record<string, unknown>, runtimeConfig: Record<string, unknown>): Record<string, unknown> {
  const capabilities = (config.capabilities ?? {}) as Record<string, boolean>;
  const given = Object.fromEntries(Object.entries(runtimeConfig).filter(([key]) => capabilities[key] === true));
  const { capabilities: _, ...rest } = config;
  return Object.keys(given).length > 0 ? { ...rest, runtimeConfig: given } : rest;
}
