import { describe, expect, test } from "bun:test";
import { MinicError } from "../../src/errors.ts";
import { ALL_CAPABILITIES, capabilitySet, parseCapability } from "../../src/spec/capabilities.ts";
import { DEFAULT_CAPABILITIES, DEFAULT_DEVICE_RULES } from "../../src/spec/defaults.ts";
import { parseDeviceCgroupRule, parseDeviceFlag } from "../../src/spec/device-flags.ts";
import { buildSpec } from "../../src/spec/from-run-flags.ts";
import { parseOomScoreAdj, parseSysctl, parseUlimit, UNLIMITED } from "../../src/spec/process-flags.ts";
import { runOptions, specContext } from "../support/options.ts";

describe("capabilities", () => {
  test("names with or without CAP_, any case; ALL; unknown names refused", () => {
    expect(parseCapability("cap-add", "net_admin")).toBe("CAP_NET_ADMIN");
    expect(parseCapability("cap-drop", "CAP_CHOWN")).toBe("CAP_CHOWN");
    expect(parseCapability("cap-add", "all")).toBe("ALL");
    expect(() => parseCapability("cap-add", "FLY")).toThrow('invalid --cap-add "FLY": unknown capability CAP_FLY');
  });

  test("Docker's rules: defaults, +add, -drop; ALL on either side; added survives drop ALL", () => {
    expect(capabilitySet([], [], false, ALL_CAPABILITIES).sort()).toEqual([...DEFAULT_CAPABILITIES].sort());
    expect(capabilitySet(["CAP_SYS_ADMIN"], ["CAP_CHOWN"], false, ALL_CAPABILITIES)).toContain("CAP_SYS_ADMIN");
    expect(capabilitySet(["CAP_SYS_ADMIN"], ["CAP_CHOWN"], false, ALL_CAPABILITIES)).not.toContain("CAP_CHOWN");
    expect(capabilitySet(["CAP_NET_ADMIN"], ["ALL"], false, ALL_CAPABILITIES)).toEqual(["CAP_NET_ADMIN"]);
    expect(capabilitySet(["ALL"], ["CAP_SYS_ADMIN"], false, ALL_CAPABILITIES)).toHaveLength(ALL_CAPABILITIES.length - 1);
    expect(capabilitySet([], [], true, ["CAP_CHOWN", "CAP_KILL"])).toEqual(["CAP_CHOWN", "CAP_KILL"]);
    expect(() => capabilitySet(["CAP_SYS_RESOURCE"], [], false, ["CAP_CHOWN"])).toThrow("--cap-add CAP_SYS_RESOURCE: minic itself does not have this capability");
  });
});

describe("devices", () => {
  test("--device HOST[:CTR][:PERMS]", () => {
    expect(parseDeviceFlag("/dev/loop3")).toEqual({ host: "/dev/loop3", container: "/dev/loop3", access: "rwm" });
    expect(parseDeviceFlag("/dev/loop3:r")).toEqual({ host: "/dev/loop3", container: "/dev/loop3", access: "r" });
    expect(parseDeviceFlag("/dev/loop3:/dev/disk")).toEqual({ host: "/dev/loop3", container: "/dev/disk", access: "rwm" });
    expect(parseDeviceFlag("/dev/loop3:/dev/disk:rw")).toEqual({ host: "/dev/loop3", container: "/dev/disk", access: "rw" });
    for (const bad of ["loop3", "/dev/a:/dev/b:rwx", "/dev/a:/dev/b:rr", "/dev/a:b:c:d"]) expect(() => parseDeviceFlag(bad)).toThrow(MinicError);
    expect(() => parseDeviceFlag("/dev/a:/etc/a")).toThrow("the container path must be under /dev");
  });

  test("--device-cgroup-rule", () => {
    expect(parseDeviceCgroupRule("c 1:3 rwm")).toEqual({ allow: true, type: "c", major: 1, minor: 3, access: "rwm" });
    expect(parseDeviceCgroupRule("b 8:* r")).toEqual({ allow: true, type: "b", major: 8, access: "r" });
    expect(parseDeviceCgroupRule("a *:* m")).toEqual({ allow: true, type: "a", access: "m" });
    for (const bad of ["c 1:3", "x 1:3 r", "c one:3 r", "c 1:3 rwx"]) expect(() => parseDeviceCgroupRule(bad)).toThrow(MinicError);
  });

  test("in the spec: the node, then its rule after Docker's; --privileged allows every device", () => {
    const device = { path: "/dev/disk", type: "b" as const, major: 7, minor: 3, fileMode: 0o660, uid: 0, gid: 6 };
    const spec = buildSpec(runOptions({ deviceCgroupRules: [{ allow: true, type: "c", major: 10, minor: 200, access: "rwm" }] }), specContext({ devices: [{ device, access: "r" }] }));
    expect(spec.linux.devices.at(-1)).toEqual(device);
    expect(spec.linux.resources.devices).toEqual([
      ...DEFAULT_DEVICE_RULES,
      { allow: true, type: "b", major: 7, minor: 3, access: "r" },
      { allow: true, type: "c", major: 10, minor: 200, access: "rwm" },
    ]);
    const privileged = buildSpec(runOptions({ privileged: true }), specContext());
    expect(privileged.linux.resources.devices).toEqual([{ allow: true, type: "a", access: "rwm" }]);
    expect(privileged.linux.maskedPaths).toEqual([]);
    expect(privileged.linux.readonlyPaths).toEqual([]);
    expect(privileged.mounts.find((mount) => mount.destination === "/sys")?.options).not.toContain("ro");
    expect(privileged.process.capabilities.bounding).toEqual(ALL_CAPABILITIES);
  });
});

describe("--ulimit, --sysctl, --oom-score-adj", () => {
  test("ulimits: Docker's names, SOFT[:HARD], unlimited", () => {
    expect(parseUlimit("nofile=100:200")).toEqual({ type: "RLIMIT_NOFILE", soft: 100, hard: 200 });
    expect(parseUlimit("core=0")).toEqual({ type: "RLIMIT_CORE", soft: 0, hard: 0 });
    expect(parseUlimit("memlock=-1:unlimited")).toEqual({ type: "RLIMIT_MEMLOCK", soft: UNLIMITED, hard: UNLIMITED });
    expect(() => parseUlimit("nofile=200:100")).toThrow("the soft limit 200 is above the hard limit 100");
    expect(() => parseUlimit("toString=1")).toThrow('unknown limit "toString"');
    expect(() => parseUlimit("nofile=x")).toThrow(MinicError);
  });

  test("sysctls: only what the container's own namespaces scope", () => {
    expect(parseSysctl("net.ipv4.ip_forward=1", true)).toEqual(["net.ipv4.ip_forward", "1"]);
    expect(parseSysctl("kernel.shmmax=1000", false)).toEqual(["kernel.shmmax", "1000"]);
    expect(parseSysctl("fs.mqueue.msg_max=20", false)).toEqual(["fs.mqueue.msg_max", "20"]);
    expect(() => parseSysctl("net.ipv4.ip_forward=1", false)).toThrow("need the container's own network namespace");
    expect(() => parseSysctl("kernel.panic=1", true)).toThrow("kernel.panic is not namespaced");
    expect(() => parseSysctl("=1", true)).toThrow(MinicError);
  });

  test("oom score adjustment: -1000 to 1000", () => {
    expect(parseOomScoreAdj("-500")).toBe(-500);
    expect(() => parseOomScoreAdj("1001")).toThrow(MinicError);
    expect(() => parseOomScoreAdj("1.5")).toThrow(MinicError);
  });
});
