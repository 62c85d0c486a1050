// User networks are isolated from each other and from the default one, as Docker isolates its
// bridges (DOCKER-ISOLATION-STAGE-1/2): what leaves one of minic's bridges for another is dropped
// in FORWARD, before CNI's firewall chain accepts a container's traffic. Made when a user network
// is, taken back with it; with no user network left nothing of it stays.
import { MinicError } from "../errors.ts";

const STAGE_1 = "MINIC-ISOLATION-STAGE-1";
const STAGE_2 = "MINIC-ISOLATION-STAGE-2";
const DEFAULT_BRIDGE = "minic0";

function iptables(args: string[]): { ok: boolean; error: string } {
  const result = Bun.spawnSync(["iptables", "-w", "-t", "filter", ...args], { stdout: "pipe", stderr: "pipe" });
  return { ok: result.exitCode === 0, error: result.stderr.toString().trim() };
}

/** A rule in place once: checked (-C), else made (-A, or -I at the top). */
function ensure(chain: string, rule: string[], insert = false): void {
  if (iptables(["-C", chain, ...rule]).ok) return;
  const made = iptables([insert ? "-I" : "-A", chain, ...rule]);
  if (!made.ok) throw new MinicError(`cannot isolate minic's networks from each other: iptables: ${made.error}`);
}

const leave = (bridge: string): string[] => ["-i", bridge, "!", "-o", bridge, "-j", STAGE_2];
const enter = (bridge: string): string[] => ["-o", bridge, "-j", "DROP"];

/** `bridge` (a user network's) and the default bridge cannot reach each other or any other of minic's. */
export function isolate(bridge: string): void {
  for (const chain of [STAGE_1, STAGE_2]) if (!iptables(["-L", chain, "-n"]).ok) iptables(["-N", chain]);
  for (const each of [DEFAULT_BRIDGE, bridge]) {
    ensure(STAGE_1, leave(each));
    ensure(STAGE_2, enter(each));
  }
  // First in FORWARD: CNI's firewall chain accepts whatever a container sends.
  if (iptables(["-C", "FORWARD", "-j", STAGE_1]).ok) iptables(["-D", "FORWARD", "-j", STAGE_1]);
  ensure("FORWARD", ["-j", STAGE_1], true);
}

/** A user network's bridge goes: its rules too, and everything when only the default's are left. */
export function unisolate(bridge: string): void {
  iptables(["-D", STAGE_1, ...leave(bridge)]);
  iptables(["-D", STAGE_2, ...enter(bridge)]);
  const rules = Bun.spawnSync(["iptables", "-w", "-t", "filter", "-S", STAGE_1], { stdout: "pipe", stderr: "ignore" }).stdout.toString();
  const others = rules.split("\n").filter((line) => line.startsWith(`-A ${STAGE_1}`) && !line.includes(` -i ${DEFAULT_BRIDGE} `));
  if (others.length > 0) return;
  iptables(["-D", "FORWARD", "-j", STAGE_1]);
  for (const chain of [STAGE_1, STAGE_2]) {
    iptables(["-F", chain]);
    iptables(["-X", chain]);
  }
}
