// --memory, --memory-swap, --cpus, --cpu-shares and --pids-limit: from the user's text to the
// spec's linux.resources, with Docker's rules for what is allowed. Pure: the host's CPU count
// comes in as an argument.
import { MinicError } from "../errors.ts";
import type { Resources } from "./types.ts";

/** The limit flags as typed; null when not given. */
export interface LimitFlags {
  memory: string | null;
  memorySwap: string | null;
  cpus: string | null;
  cpuShares: string | null;
  pidsLimit: string | null;
}

export const NO_LIMITS: LimitFlags = { memory: null, memorySwap: null, cpus: null, cpuShares: null, pidsLimit: null };

/** Docker's floor for --memory: below it a container cannot even start its runtime. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** CFS period Docker uses for --cpus; the quota is cpus times this. */
export const CPU_PERIOD_US = 100_000;

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A size as Docker reads it: a number with an optional binary unit, `64m`, `1.5g`, `512k`,
 * `100`, `64MiB`, `64mb`. Returns bytes, or null if the text is not a size.
 */
export function parseSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) return null;
  const [, number = "", unit = ""] = match;
  const multiplier = UNITS[unit.toLowerCase()];
  if (multiplier === undefined) return null;
  return Math.floor(Number(number) * multiplier);
}

function sizeFlag(flag: string, text: string): number {
  const bytes = parseSize(text);
  if (bytes === null) throw new MinicError(`invalid --${flag} "${text}": expected a size such as 64m (units b, k, m, g)`);
  if (bytes <= 0) throw new MinicError(`invalid --${flag} "${text}": must be greater than 0`);
  return bytes;
}

function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new MinicError(`invalid --${flag} "${text}": expected a whole number greater than 0`);
  }
  return Number(text);
}

/** The flags as an OCI `linux.resources`; a MinicError for anything Docker would refuse. */
export function resourcesFromFlags(flags: LimitFlags, hostCpus: number): Resources {
  const resources: Resources = {};

  if (flags.memory !== null || flags.memorySwap !== null) {
    if (flags.memory === null) {
      throw new MinicError("--memory-swap needs --memory: the swap limit is memory and swap together");
    }
    const limit = sizeFlag("memory", flags.memory);
    if (limit < MIN_MEMORY) throw new MinicError(`invalid --memory "${flags.memory}": the minimum is 6m`);
    resources.memory = { limit };
    if (flags.memorySwap !== null) {
      const swap = flags.memorySwap.trim() === "-1" ? -1 : sizeFlag("memory-swap", flags.memorySwap);
      if (swap !== -1 && swap < limit) {
        throw new MinicError(`invalid --memory-swap "${flags.memorySwap}": it is memory and swap together, so at least --memory (${flags.memory}), or -1 for unlimited swap`);
      }
      resources.memory.swap = swap;
    }
  }

  if (flags.cpus !== null || flags.cpuShares !== null) resources.cpu = {};
  if (flags.cpus !== null) {
    const text = flags.cpus.trim();
    const cpus = /^\d*\.?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(cpus)) throw new MinicError(`invalid --cpus "${flags.cpus}": expected a decimal number such as 0.5`);
    const quota = Math.round(cpus * CPU_PERIOD_US);
    // The kernel's smallest quota is 1 ms, a hundredth of Docker's period.
    if (quota < 1000 || cpus > hostCpus) {
      throw new MinicError(`invalid --cpus "${flags.cpus}": the range is 0.01 to ${hostCpus.toFixed(2)}, as this host has ${hostCpus} CPU${hostCpus === 1 ? "" : "s"}`);
    }
    resources.cpu = { ...resources.cpu, quota, period: CPU_PERIOD_US };
  }
  if (flags.cpuShares !== null) {
    resources.cpu = { ...resources.cpu, shares: positiveInteger("cpu-shares", flags.cpuShares) };
  }

  if (flags.pidsLimit !== null) resources.pids = { limit: positiveInteger("pids-limit", flags.pidsLimit) };
  return resources;
}

/** Which cgroup controllers a set of resources needs. */
export function neededControllers(resources: Resources): string[] {
  const { cpu } = resources;
  const cpuTime = cpu !== undefined && (cpu.shares !== undefined || cpu.quota !== undefined || cpu.period !== undefined || cpu.realtimePeriod !== undefined || cpu.realtimeRuntime !== undefined);
  return [
    ...(resources.memory ? ["memory"] : []),
    ...(cpuTime ? ["cpu"] : []),
    ...(cpu?.cpus !== undefined || cpu?.mems !== undefined ? ["cpuset"] : []),
    ...((resources.hugepageLimits ?? []).length > 0 ? ["hugetlb"] : []),
    ...(resources.pids ? ["pids"] : []),
  ];
}
