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
function tcpState(hostIP: string, port: number): "free" | "taken" | "privileged" | "not-here" {
  // A few tries: another minic probing the same port at the same moment holds it for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      const listener = Bun.listen({ hostname: hostIP || "0.0.0.0", port, socket: { data() {} } });
      listener.stop(true);
      return "free";
    } catch (error) {
      const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
      if (code === "EACCES") return "privileged";
      if (code === "EADDRNOTAVAIL" || !hostHas(hostIP)) return "not-here";
      if (attempt >= 3) return "taken";
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Whether `address` is one of this host's (0.0.0.0 and "" stand for all of them). */
function hostHas(address: string): boolean {
  if (address === "" || address === "0.0.0.0") return true;
  const shown = Bun.spawnSync(["ip", "-o", "addr", "show"], { stdout: "pipe", stderr: "ignore" }).stdout.toString();
  return shown.split("\n").some((line) => line.split(/\s+/).some((word) => word.split("/")[0] === address));
}

function notHere(hostIP: string): MinicError {
  return new MinicError(`cannot publish on ${hostIP}: it is not an address of this host`);
}

function freePort(hostIP: string): number {
  try {
    const listener = Bun.listen({ hostname: hostIP || "0.0.0.0", port: 0, socket: { data() {} } });
    const port = listener.port;
    listener.stop(true);
    return port;
  } catch {
    throw notHere(hostIP);
  }
}

/**
 * The mappings with every host port settled. `published`: the ports other containers of minic's
 * hold now (protocol and port), which are refused like ports in use.
 */
export function allocatePorts(mappings: PortMapping[], published: Set<string>): PortMapping[] {
  const own = new Set<string>();
  return mappings.map((mapping) => {
    let hostPort = mapping.hostPort;
    const key = (port: number): string => `${mapping.protocol}/${port}`;
    if (hostPort === 0) {
      do hostPort = freePort(mapping.hostIP);
      while (published.has(key(hostPort)) || own.has(key(hostPort)));
    } else {
      if (own.has(key(hostPort))) throw new MinicError(`port ${hostPort}/${mapping.protocol} is published twice by this container`);
      if (published.has(key(hostPort))) throw new MinicError(`port ${hostPort}/${mapping.protocol} is already published by another container`);
      const state = mapping.protocol === "tcp" ? tcpState(mapping.hostIP, hostPort) : "free";
      if (state === "privileged") throw new MinicError(`port ${hostPort}/tcp is privileged: a rootless container publishes ports from net.ipv4.ip_unprivileged_port_start (${unprivilegedStart()} here) up`);
      if (state === "not-here") throw notHere(mapping.hostIP);
      if (state === "taken") throw new MinicError(`port ${hostPort}/tcp is already in use on the host${mapping.hostIP ? ` (${mapping.hostIP})` : ""}`);
    }
    own.add(key(hostPort));
    return { ...mapping, hostPort };
  });
}
