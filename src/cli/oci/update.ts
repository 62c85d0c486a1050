// runc's `update [--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N]
// [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L]
// [--pids-limit N] ID`.
import { readFileSync } from "node:fs";
import { parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import { parseSize } from "../../spec/limits.ts";
import type { Resources } from "../../spec/types.ts";
import type { OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [
  { name: "resources", short: "r", kind: "string", valueHint: "FILE", description: "OCI linux.resources as JSON (- for stdin)" },
  { name: "memory", kind: "string", valueHint: "BYTES", description: "Memory limit (units b, k, m, g)" },
  { name: "memory-reservation", kind: "string", valueHint: "BYTES", description: "Memory soft limit" },
  { name: "memory-swap", kind: "string", valueHint: "BYTES", description: "Memory and swap together (-1: unlimited)" },
  { name: "cpu-shares", kind: "string", valueHint: "N", description: "Relative CPU weight" },
  { name: "cpu-quota", kind: "string", valueHint: "USEC", description: "CPU time per period" },
  { name: "cpu-period", kind: "string", valueHint: "USEC", description: "CFS period" },
  { name: "cpuset-cpus", kind: "string", valueHint: "LIST", description: "CPUs the container may use" },
  { name: "cpuset-mems", kind: "string", valueHint: "LIST", description: "Memory nodes the container may use" },
  { name: "pids-limit", kind: "string", valueHint: "N", description: "Most processes at once" },
];

function bytes(flag: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (text === "-1") return -1;
  const value = parseSize(text);
  if (value === null) throw new MinicError(`invalid --${flag} "${text}": expected a size such as 64m`);
  return value;
}

function whole(flag: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!/^\d+$/.test(text)) throw new MinicError(`invalid --${flag} "${text}": expected a whole number`);
  return Number(text);
}

/** Only the fields given: an object with every one undefined is left out. */
function defined<T extends object>(value: T): T | undefined {
  const kept = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "update");
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("update needs exactly one container id");
    const file = stringFlag(flags, "resources");
    let resources: Resources;
    if (file !== null) {
      try {
        resources = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8")) as Resources;
      } catch (error) {
        throw new MinicError(`cannot read the resources ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else {
      const memory = defined({
        limit: bytes("memory", stringFlag(flags, "memory")),
        reservation: bytes("memory-reservation", stringFlag(flags, "memory-reservation")),
        swap: bytes("memory-swap", stringFlag(flags, "memory-swap")),
      });
      const cpu = defined({
        shares: whole("cpu-shares", stringFlag(flags, "cpu-shares")),
        quota: whole("cpu-quota", stringFlag(flags, "cpu-quota")),
        period: whole("cpu-period", stringFlag(flags, "cpu-period")),
        cpus: stringFlag(flags, "cpuset-cpus") ?? undefined,
        mems: stringFlag(flags, "cpuset-mems") ?? undefined,
      });
      const limit = whole("pids-limit", stringFlag(flags, "pids-limit"));
      resources = { ...(memory ? { memory } : {}), ...(cpu ? { cpu } : {}), ...(limit !== undefined ? { pids: { limit } } : {}) };
    }
    const { updateContainer } = await import("../../container/update.ts");
    updateContainer(id, resources);
    return 0;
  },
};
