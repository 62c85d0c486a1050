import { describe, expect, test } from "bun:test";
import { parsePublish, portLine, publishAll } from "../../src/spec/ports.ts";

describe("-p", () => {
  test("Docker's forms: container port alone, host:container, ip:host:container, ranges, udp", () => {
    expect(parsePublish("80")).toEqual([{ hostIP: "", hostPort: 0, containerPort: 80, protocol: "tcp" }]);
    expect(parsePublish("18080:80")).toEqual([{ hostIP: "", hostPort: 18080, containerPort: 80, protocol: "tcp" }]);
    expect(parsePublish("127.0.0.1:5353:53/udp")).toEqual([{ hostIP: "127.0.0.1", hostPort: 5353, containerPort: 53, protocol: "udp" }]);
    expect(parsePublish("8000-8001:80-81").map((m) => `${m.hostPort}:${m.containerPort}`)).toEqual(["8000:80", "8001:81"]);
    expect(publishAll(["80/tcp", "53/udp"]).map((m) => `${m.containerPort}/${m.protocol}`)).toEqual(["80/tcp", "53/udp"]);
    expect(portLine({ hostIP: "", hostPort: 18080, containerPort: 80, protocol: "tcp" })).toBe("80/tcp -> 0.0.0.0:18080");
  });

  test("bad ports and ranges are one line naming them", () => {
    expect(() => parsePublish("70000")).toThrow('invalid -p "70000": the container port "70000" is not a port or a range of ports');
    expect(() => parsePublish("80/sctp")).toThrow("the protocol is tcp or udp");
    expect(() => parsePublish("8000-8002:80-81")).toThrow("the host and container ranges differ in length");
    expect(() => parsePublish("host:80:80")).toThrow('"host" is not an IPv4 address');
    expect(() => parsePublish("80:")).toThrow("expected [IP:][HOSTPORT:]CONTAINERPORT");
  });
});
