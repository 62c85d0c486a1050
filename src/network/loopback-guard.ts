// A bridge whose containers publish ports is opened to 127.0.0.1 by portmap; this rule closes it
// to them again (see guardLoopback).
import { MinicError } from "../errors.ts";

/** The rule that keeps a bridge's containers off the host's loopback (see guardLoopback). */
function loopbackGuard(bridge: string): string[] {
  return ["INPUT", "-i", bridge, "-d", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-m", "comment", "--comment", `minic: no host loopback from ${bridge}`, "-j", "DROP"];
}

/**
 * portmap sets route_localnet on the bridge, so that the host's own 127.0.0.1:PORT reaches a
 * container; the bridge then also routes packets its containers address to 127.0.0.1, and a
 * container with CAP_NET_RAW (Docker's default) reaches services the host keeps on its loopback
 * (CVE-2020-8558). Dropped here as kube-proxy drops them: what is not the answer of a connection
 * the host made. Made before portmap runs; it stays while the bridge does.
 */
export function guardLoopback(bridge: string): void {
  const rule = loopbackGuard(bridge);
  if (Bun.spawnSync(["iptables", "-w", "-t", "filter", "-C", ...rule], { stdout: "ignore", stderr: "ignore" }).exitCode === 0) return;
  const added = Bun.spawnSync(["iptables", "-w", "-t", "filter", "-I", ...rule], { stdout: "ignore", stderr: "pipe" });
  if (added.exitCode !== 0) throw new MinicError(`cannot keep bridge ${bridge}'s containers off the host's loopback: iptables: ${added.stderr.toString().trim()}`);
}

/** The guard goes with its bridge (network rm). */
export function unguardLoopback(bridge: string): void {
  Bun.spawnSync(["iptables", "-w", "-t", "filter", "-D", ...loopbackGuard(bridge)], { stdout: "ignore", stderr: "ignore" });
}
