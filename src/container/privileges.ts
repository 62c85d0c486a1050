// Who minic is: root or an ordinary user (rootless.ts), and with which capabilities to give.
import { readFileSync } from "node:fs";
import { geteuid } from "../../native/libc.ts";
import { CAPABILITIES, type Capability } from "../plan/linux.ts";
import { ALL_CAPABILITIES } from "../spec/capabilities.ts";
import { MinicError } from "../errors.ts";

/** For what only root can do: user networks are CNI bridges, iptables rules and all. */
export function requireRoot(what: string): void {
  if (geteuid() !== 0) {
    throw new MinicError(`${what} needs root`, undefined, "run it with sudo; a rootless container has bridge (through slirp4netns), slirp4netns, none or host");
  }
}

/** minic's own bounding set (/proc/self/status CapBnd): the capabilities it can pass on. */
export function ownCapabilities(): Capability[] {
  const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  const bits = BigInt(`0x${line?.[1] ?? "0"}`);
  return ALL_CAPABILITIES.filter((cap) => (bits >> BigInt(CAPABILITIES[cap])) & 1n);
}
