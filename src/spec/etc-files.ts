// The files in /etc that Docker users expect a container to have: resolv.conf, hosts and
// hostname, written into the container's own directory and bound over the image's (never
// written into the rootfs). Pure: the host's files come in as text.
import { MinicError } from "../errors.ts";

export interface DnsOptions {
  /** --dns: nameservers instead of the host's. */
  servers: string[];
  /** --dns-search and --dns-option, added to (or replacing) the host's. */
  search: string[];
  options: string[];
}

export const NO_DNS_OPTIONS: DnsOptions = { servers: [], search: [], options: [] };

/** Docker's public fallback when the host names only loopback resolvers a container cannot reach. */
const FALLBACK_SERVERS = ["8.8.8.8", "8.8.4.4"];

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1";
}

/**
 * The container's resolv.conf from the host's. In the host's network namespace the host's own
 * resolvers work as they are; in a namespace of its own, loopback ones (127.0.0.53 of
 * systemd-resolved) do not: they are left out, for `upstream`'s (systemd-resolved's own file)
 * or Docker's public fallback. --dns, --dns-search and --dns-option replace what they name.
 */
export function resolvConf(host: string, dns: DnsOptions, network: { own: boolean; upstream: string | null }): string {
  const lines = host.split("\n").map((line) => line.trim());
  const field = (text: string, name: string): string[] =>
    text.split("\n").map((line) => line.trim().split(/\s+/)).filter((words) => words[0] === name).flatMap((words) => words.slice(1));
  let servers = field(host, "nameserver");
  if (network.own && servers.every(isLoopback)) {
    const upstream = network.upstream === null ? [] : field(network.upstream, "nameserver").filter((server) => !isLoopback(server));
    servers = upstream.length > 0 ? upstream : FALLBACK_SERVERS;
  } else if (network.own) {
    servers = servers.filter((server) => !isLoopback(server));
  }
  if (dns.servers.length > 0) servers = dns.servers;
  const search = dns.search.length > 0 ? dns.search : field(host, "search");
  const options = dns.options.length > 0 ? dns.options : field(host, "options");
  const others = lines.filter((line) => line !== "" && !line.startsWith("#") && !/^(nameserver|search|domain|options)\b/.test(line));
  return [
    ...servers.map((server) => `nameserver ${server}`),
    ...(search.length > 0 ? [`search ${search.join(" ")}`] : []),
    ...(options.length > 0 ? [`options ${options.join(" ")}`] : []),
    ...others,
  ].join("\n") + "\n";
}

/** --add-host NAME:IP (IPv6 too: `name:fe80::1`), as given. */
export function parseAddHost(text: string): { name: string; address: string } {
  const colon = text.indexOf(":");
  const name = colon === -1 ? "" : text.slice(0, colon);
  const address = colon === -1 ? "" : text.slice(colon + 1);
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(name) || !(address === "host-gateway" || /^[0-9.]+$|^[0-9a-fA-F:]+$/.test(address))) {
    throw new MinicError(`invalid --add-host "${text}": expected NAME:IP (or NAME:host-gateway)`);
  }
  return { name, address };
}

/**
 * The container's hosts file. Sharing the host's network, it starts from the host's own file, as
 * Docker's does; otherwise from the loopback names. Then the container's hostname, and each
 * --add-host (`host-gateway`: the address the host answers on from the container).
 */
export function hostsFile(host: string | null, hostname: string, addHosts: { name: string; address: string }[], gateway: string): string {
  const base = host ?? ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters"].join("\n");
  const lines = [base.trimEnd(), `127.0.1.1\t${hostname}`, ...addHosts.map(({ name, address }) => `${address === "host-gateway" ? gateway : address}\t${name}`)];
  return `${lines.join("\n")}\n`;
}

/** The hosts file with the container's own name on `address` (its line is the first naming it). */
export function withOwnAddress(hosts: string, hostname: string, address: string): string {
  const lines = hosts.split("\n");
  const own = lines.findIndex((line) => line.split(/\s+/).slice(1).includes(hostname));
  if (own === -1) return hosts;
  lines[own] = `${address}\t${hostname}`;
  return lines.join("\n");
}

/**
 * The hosts file with network `network`'s block of peers (`ADDRESS\tNAME ALIAS...` lines)
 * replaced, added at the end, or with `peers` null removed. A block runs from its begin line to its
 * end line, so that lines the container added itself, after it or between blocks, stay.
 */
export function withPeersBlock(hosts: string, network: string, peers: string[] | null): string {
  const begin = `# minic: network ${network}'s containers`;
  const end = `# minic: end of network ${network}`;
  const lines = hosts.replace(/\n$/, "").split("\n");
  const from = lines.indexOf(begin);
  const to = from === -1 ? -1 : lines.indexOf(end, from);
  const kept = from === -1 || to === -1 ? lines : [...lines.slice(0, from), ...lines.slice(to + 1)];
  const at = from === -1 || to === -1 ? kept.length : from;
  const block = peers === null ? [] : [begin, ...peers, end];
  return `${[...kept.slice(0, at), ...block, ...kept.slice(at)].join("\n")}\n`;
}

/** A --dns nameserver: an IPv4 or IPv6 address. */
export function checkDnsServer(text: string): string {
  if (!/^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text)) throw new MinicError(`invalid --dns "${text}": expected an IP address`);
  return text;
}

/** The files, by their name in the container's directory and in /etc. */
export const ETC_FILES = ["resolv.conf", "hosts", "hostname"] as const;
