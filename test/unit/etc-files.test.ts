import { describe, expect, test } from "bun:test";
import { checkDnsServer, hostsFile, NO_DNS_OPTIONS, parseAddHost, resolvConf, withOwnAddress, withPeersBlock } from "../../src/spec/etc-files.ts";

const resolved = "# systemd-resolved\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";

describe("resolv.conf", () => {
  test("sharing the host's network: the host's file as it is", () => {
    expect(resolvConf(resolved, NO_DNS_OPTIONS, { own: false, upstream: null })).toBe("nameserver 127.0.0.53\nsearch lan\noptions edns0 trust-ad\n");
  });

  test("a network of its own: loopback resolvers replaced by systemd-resolved's upstream ones, else Docker's fallback", () => {
    expect(resolvConf(resolved, NO_DNS_OPTIONS, { own: true, upstream: "nameserver 192.0.2.1\nnameserver ::1\n" })).toBe("nameserver 192.0.2.1\nsearch lan\noptions edns0 trust-ad\n");
    expect(resolvConf(resolved, NO_DNS_OPTIONS, { own: true, upstream: null })).toBe("nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch lan\noptions edns0 trust-ad\n");
    expect(resolvConf("nameserver 127.0.0.1\nnameserver 192.0.2.7\n", NO_DNS_OPTIONS, { own: true, upstream: null })).toBe("nameserver 192.0.2.7\n");
  });

  test("--dns, --dns-search and --dns-option replace what they name", () => {
    expect(resolvConf(resolved, { servers: ["192.0.2.53"], search: ["corp"], options: ["ndots:3"] }, { own: true, upstream: null })).toBe("nameserver 192.0.2.53\nsearch corp\noptions ndots:3\n");
    expect(checkDnsServer("2001:db8::1")).toBe("2001:db8::1");
    expect(() => checkDnsServer("dns.example")).toThrow('invalid --dns "dns.example"');
  });
});

describe("hosts", () => {
  test("loopback names or the host's file, then the hostname and --add-host lines", () => {
    const text = hostsFile(null, "web", [parseAddHost("db:192.0.2.10"), parseAddHost("gw:host-gateway"), parseAddHost("v6:2001:db8::5")], "127.0.0.1");
    expect(text.startsWith("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")).toBe(true);
    expect(text.endsWith("127.0.1.1\tweb\n192.0.2.10\tdb\n127.0.0.1\tgw\n2001:db8::5\tv6\n")).toBe(true);
    expect(hostsFile("127.0.0.1 localhost\n10.0.0.1 host\n", "c", [], "127.0.0.1")).toBe("127.0.0.1 localhost\n10.0.0.1 host\n127.0.1.1\tc\n");
    expect(() => parseAddHost("db")).toThrow('invalid --add-host "db"');
    expect(() => parseAddHost("db:not an ip")).toThrow(/invalid --add-host/);
  });

  test("on a network, the container's own name is its address there, again at each start; --add-host lines stay", () => {
    const text = hostsFile(null, "web", [parseAddHost("web:192.0.2.10")], "10.89.0.1");
    const started = withOwnAddress(text, "web", "10.89.0.7");
    expect(started.endsWith("10.89.0.7\tweb\n192.0.2.10\tweb\n")).toBe(true);
    expect(withOwnAddress(started, "web", "10.89.0.9").endsWith("10.89.0.9\tweb\n192.0.2.10\tweb\n")).toBe(true);
    expect(withOwnAddress("127.0.0.1\tlocalhost\n", "web", "10.89.0.7")).toBe("127.0.0.1\tlocalhost\n");
  });

  test("each network's peers are a block of their own: replaced, added or removed; the container's own lines stay", () => {
    const own = "127.0.0.1\tlocalhost\n10.89.0.2\tapp\n";
    const one = withPeersBlock(own, "n1", ["10.93.0.2\tdb"]);
    expect(one).toBe(`${own}# minic: network n1's containers\n10.93.0.2\tdb\n# minic: end of network n1\n`);
    const added = `${one}192.0.2.1\tmine\n`;
    const two = withPeersBlock(withPeersBlock(added, "n2", ["10.94.0.2\tcache"]), "n1", ["10.93.0.2\tdb", "10.93.0.3\tapp web"]);
    expect(two).toBe(`${own}# minic: network n1's containers\n10.93.0.2\tdb\n10.93.0.3\tapp web\n# minic: end of network n1\n192.0.2.1\tmine\n# minic: network n2's containers\n10.94.0.2\tcache\n# minic: end of network n2\n`);
    expect(withPeersBlock(withPeersBlock(two, "n1", null), "n2", null)).toBe(`${own}192.0.2.1\tmine\n`);
  });
});
