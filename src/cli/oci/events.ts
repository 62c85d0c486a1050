// runc's `events [--stats] [--interval 5s] ID`: the container's resource usage as JSON events, once
// with --stats, else every interval (and an "oom" event when the OOM killer strikes) until it stops.
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import type { OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [
  { name: "stats", kind: "boolean", description: "Print the usage once and return" },
  { name: "interval", kind: "string", valueHint: "DURATION", description: "Between two events (default 5s; ms, s, m)" },
];

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (match === null) throw new MinicError(`invalid --interval "${text}": expected a duration such as 5s or 500ms`);
  const value = Number(match[1]);
  return match[2] === "ms" ? value : match[2] === "s" ? value * 1000 : value * 60_000;
}

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "events");
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("events needs exactly one container id");
    const interval = duration(stringFlag(flags, "interval") ?? "5s");
    const { containerById } = await import("../../container/state.ts");
    const { driverFor } = await import("../../cgroups/cgroup.ts");
    const record = containerById(id);
    if (record.status === "stopped" || record.cgroup === null) throw new MinicError(`container ${id} is not running`);
    const cgroup = record.cgroup;
    const driver = driverFor(cgroup);
    const stats = () => {
      const usage = driver.usage(cgroup);
      return {
        type: "stats",
        id,
        data: {
          cpu: { usage: { total: usage.cpuNanoseconds ?? 0 } },
          memory: { usage: { usage: usage.memoryBytes ?? 0, limit: usage.memoryLimit ?? 0 } },
          pids: { current: usage.pids ?? 0, limit: usage.pidsLimit ?? 0 },
        },
      };
    };
    if (booleanFlag(flags, "stats")) {
      process.stdout.write(`${JSON.stringify(stats())}\n`);
      return 0;
    }
    // Whoever reads the stream may stop reading: that ends it, quietly.
    process.stdout.on("error", () => process.exit(0));
    let ooms = driver.oomKills(cgroup);
    while (containerById(id).status !== "stopped") {
      const now = driver.oomKills(cgroup);
      if (now > ooms) process.stdout.write(`${JSON.stringify({ type: "oom", id })}\n`);
      ooms = now;
      process.stdout.write(`${JSON.stringify(stats())}\n`);
      await Bun.sleep(interval);
    }
    return 0;
  },
};
