// Host ports for -p and -P: a port asked for must be free on the host and not published by
// another of minic's containers; a port left out is a free one, chosen now.
import { readFileSync } from "node:fs";
import { MinicError } from "../errors.ts";
import type { PortMapping } from "../spec/ports.ts";

/** The first port an ordinary user may listen on. */
function unprivilegedStart(): string {
  try {
    return readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim();
  } catch {
    return "1024";
  }
}

/** Whether a TCP port can be bound on `hostIP` now (a UDP one is taken on trust, as Docker's
 *  proxy-less mode does): free, taken, or (an ordinary user's below the unprivileged start) not ours. */
function tcpState(hostIP: string, port: number): "free" | "taken" | "privileged" {
  try {
    const listener = Bun.listen({ hostname: hostIP || "0.0.0.0", port, socket: { data() {} } });
    listener.stop(true);
    return "free";
  } catch (error) {
    return typeof error === "object" && error !== null && "code" in error && error.code === "EACCES" ? "privileged" : "taken";
  }
}

function freePort(hostIP: string): number {
  const listener = Bun.listen({ hostname: hostIP || "0.0.0.0", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/**
 * The mappings with every host port settled. `published`: the ports other containers of minic's
 * hold now (protocol and port), which are refused like ports in use.
 */
export function allocatePorts(mappings: PortMapping[], published: Set<string>): PortMapping[] {
  const taken = new Set(published);
  return mappings.map((mapping) => {
    let hostPort = mapping.hostPort;
    if (hostPort === 0) {
      do hostPort = freePort(mapping.hostIP);
      while (taken.has(`${mapping.protocol}/${hostPort}`));
    } else {
      if (taken.has(`${mapping.protocol}/${hostPort}`)) throw new MinicError(`port ${hostPort}/${mapping.protocol} is already published by another container`);
      const state = mapping.protocol === "tcp" ? tcpState(mapping.hostIP, hostPort) : "free";
      if (state === "privileged") throw new MinicError(`port ${hostPort}/tcp is privileged: a rootless container publishes ports from net.ipv4.ip_unprivileged_port_start (${unprivilegedStart()} here) up`);
      if (state === "taken") throw new MinicError(`port ${hostPort}/tcp is already in use on the host${mapping.hostIP ? ` (${mapping.hostIP})` : ""}`);
    }
    taken.add(`${mapping.protocol}/${hostPort}`);
    return { ...mapping, hostPort };
  });
}
