// Published ports (-p), as docker run takes them: [IP:][HOSTPORT:]CTRPORT[/tcp|/udp], with ranges
// (8000-8002:80-82) and a random free host port when HOSTPORT is left out.
import { MinicError } from "../errors.ts";

export interface PortMapping {
  hostIP: string;
  /** 0: a free port chosen when the container starts. */
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

function range(text: string, what: string, flag: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (match === null || first < 1 || last > 65535 || last < first) throw new MinicError(`invalid -p "${flag}": ${what} "${text}" is not a port or a range of ports`);
  return [first, last];
}

export function parsePublish(text: string): PortMapping[] {
  const [spec = "", protocol = "tcp"] = text.split("/");
  if (protocol !== "tcp" && protocol !== "udp") throw new MinicError(`invalid -p "${text}": the protocol is tcp or udp, not "${protocol}"`);
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((part, i) => part === "" && i === parts.length - 1)) throw new MinicError(`invalid -p "${text}": expected [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]`);
  const [hostIP, hostText, containerText] = parts.length === 3 ? parts : parts.length === 2 ? ["", parts[0] ?? "", parts[1] ?? ""] : ["", "", parts[0] ?? ""];
  if (hostIP !== "" && !/^(\d{1,3}\.){3}\d{1,3}$/.test(hostIP ?? "")) throw new MinicError(`invalid -p "${text}": "${hostIP}" is not an IPv4 address`);
  if (hostIP !== "" && (hostIP ?? "").split(".").some((part) => Number(part) > 255)) throw new MinicError(`invalid -p "${text}": "${hostIP}" is not an IPv4 address`);
  const [containerFirst, containerLast] = range(containerText ?? "", "the container port", text);
  const count = containerLast - containerFirst + 1;
  const [hostFirst, hostLast] = hostText === "" ? [0, 0] : range(hostText ?? "", "the host port", text);
  if (hostText !== "" && hostLast - hostFirst + 1 !== count) throw new MinicError(`invalid -p "${text}": the host and container ranges differ in length`);
  return Array.from({ length: count }, (_, i) => ({ hostIP: hostIP ?? "", hostPort: hostText === "" ? 0 : hostFirst + i, containerPort: containerFirst + i, protocol }));
}

/** `-P`: each of the image's exposed ports ("80/tcp") to a free host port. */
export function publishAll(exposed: string[]): PortMapping[] {
  return exposed.flatMap((entry) => parsePublish(entry));
}

/** Docker's `minic port` line: 80/tcp -> 0.0.0.0:18080 */
export function portLine(mapping: PortMapping): string {
  return `${mapping.containerPort}/${mapping.protocol} -> ${mapping.hostIP || "0.0.0.0"}:${mapping.hostPort}`;
}
