// Host ports for -p and -P: a port asked for must be free on the host and not published by
// another of minic's containers; a port left out is a free one, chosen now.
import { MinicError } from "../errors.ts";
import type { PortMapping } from "../spec/ports.ts";

/** Whether a TCP port can be bound on `hostIP` now (a UDP one is taken on trust, as Docker's proxy-less mode does). */
function tcpFree(hostIP: string, port: number): boolean {
  try {
    const listener = Bun.listen({ hostname: hostIP || "0.0.0.0", port, socket: { data() {} } });
    listener.stop(true);
    return true;
  } catch {
    return false;
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
      if (mapping.protocol === "tcp" && !tcpFree(mapping.hostIP, hostPort)) throw new MinicError(`port ${hostPort}/tcp is already in use on the host${mapping.hostIP ? ` (${mapping.hostIP})` : ""}`);
    }
    taken.add(`${mapping.protocol}/${hostPort}`);
    return { ...mapping, hostPort };
  });
}
