import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { placeCgroup, removeCgroup } from "../../src/cgroups/cgroup.ts";
import { detectCgroupLayout } from "../../src/cgroups/layout.ts";
import { v1DeviceWrites } from "../../src/cgroups/devices.ts";
import { deviceProgram } from "../../src/cgroups/device-program.ts";
import { DEFAULT_DEVICE_RULES } from "../../src/spec/defaults.ts";
import { v1LimitFiles } from "../../src/cgroups/v1.ts";
import { placeV2, sharesToWeight, v2Driver, v2LimitFiles } from "../../src/cgroups/v2.ts";
import { MinicError } from "../../src/errors.ts";
import type { Resources } from "../../src/spec/types.ts";

// This project's machines: v1 controllers, a named systemd hierarchy, an empty cgroup2 beside them.
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
// A systemd host: only cgroup2, at /sys/fs/cgroup.
const UNIFIED = `25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
28 25 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const CO_MOUNTED = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
33 31 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
34 31 0:30 / /mnt/pids\\040again rw,relatime - cgroup cgroup rw,pids
`;
const noFile = (): string => {
  throw new Error("ENOENT");
};

describe("cgroup detection", () => {
  test("a hybrid host is v1: controllers from super options, named hierarchies by their name", () => {
    expect(detectCgroupLayout(HYBRID, noFile)).toEqual({
      version: 1,
      hierarchies: [
        { mountpoint: "/sys/fs/cgroup/cpu", controllers: ["cpu"] },
        { mountpoint: "/sys/fs/cgroup/cpuacct", controllers: ["cpuacct"] },
        { mountpoint: "/sys/fs/cgroup/memory", controllers: ["memory"] },
        { mountpoint: "/sys/fs/cgroup/pids", controllers: ["pids"] },
        { mountpoint: "/sys/fs/cgroup/systemd", controllers: ["name=systemd"] },
      ],
    });
  });

  test("a named hierarchy alone does not make a v1 host", () => {
    const hybridSystemd = `40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
28 25 0:25 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
    expect(detectCgroupLayout(hybridSystemd, () => "memory pids\n")).toEqual({ version: 2, mountpoint: "/sys/fs/cgroup/unified", controllers: ["memory", "pids"] });
  });

  test("a unified host is v2, with what its root offers", () => {
    const read = (path: string): string => {
      expect(path).toBe("/sys/fs/cgroup/cgroup.controllers");
      return "cpuset cpu io memory hugetlb pids rdma misc\n";
    };
    expect(detectCgroupLayout(UNIFIED, read)).toEqual({
      version: 2,
      mountpoint: "/sys/fs/cgroup",
      controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"],
    });
  });

  test("co-mounted controllers share a hierarchy; a second mount of one is ignored", () => {
    expect(detectCgroupLayout(CO_MOUNTED, noFile)).toEqual({
      version: 1,
      hierarchies: [
        { mountpoint: "/sys/fs/cgroup/cpu,cpuacct", controllers: ["cpu", "cpuacct"] },
        { mountpoint: "/sys/fs/cgroup/pids", controllers: ["pids"] },
      ],
    });
  });

  test("no cgroup mounts: version 0, fine without limits, a clear error with them", () => {
    const none = detectCgroupLayout("22 1 0:5 / /proc rw - proc proc rw\n", noFile);
    expect(none).toEqual({ version: 0 });
    expect(placeCgroup(none, "minic/x", {})).toBeNull();
    expect(() => placeCgroup(none, "minic/x", { pids: { limit: 5 } })).toThrow(/no cgroup file system/);
    expect(placeCgroup(none, "minic/x", { devices: [{ allow: false, access: "rwm" }] })).toBeNull();
  });
});

describe("cgroup placement", () => {
  test("v1: minic/<id> in every hierarchy the host mounts, named as the container sees it", () => {
    const cgroup = placeCgroup(detectCgroupLayout(HYBRID + CO_MOUNTED, noFile), "minic/abc", {});
    expect(cgroup?.version).toBe(1);
    expect(cgroup?.dirs.map((dir) => [dir.path, dir.view])).toEqual([
      ["/sys/fs/cgroup/cpu/minic/abc", "cpu"],
      ["/sys/fs/cgroup/cpuacct/minic/abc", "cpuacct"],
      ["/sys/fs/cgroup/memory/minic/abc", "memory"],
      ["/sys/fs/cgroup/pids/minic/abc", "pids"],
      ["/sys/fs/cgroup/systemd/minic/abc", "systemd"],
      ["/sys/fs/cgroup/cpu,cpuacct/minic/abc", "cpu,cpuacct"],
    ]);
  });

  test("a limit whose controller the host lacks is refused, naming it", () => {
    const noMemory = detectCgroupLayout(CO_MOUNTED, noFile);
    expect(() => placeCgroup(noMemory, "minic/a", { memory: { limit: 64 << 20 } })).toThrow(
      "the memory cgroup controller is not available on this host (no cgroup v1 hierarchy has it mounted)",
    );
    const v2 = { version: 2 as const, mountpoint: "/sys/fs/cgroup", controllers: ["cpu"] };
    expect(() => placeV2(v2, "minic/a", { pids: { limit: 5 } })).toThrow(MinicError);
    expect(() => placeV2(v2, "minic/a", { pids: { limit: 5 } })).toThrow(/pids cgroup controller .* offers: cpu/);
    // Without limits the container still gets a cgroup, with what there is.
    expect(placeV2(v2, "minic/a", {}).dirs[0]?.controllers).toEqual(["cpu"]);
  });
});

describe("limit files", () => {
  const all: Resources = {
    memory: { limit: 64 << 20 },
    cpu: { quota: 50_000, period: 100_000, shares: 512 },
    pids: { limit: 100 },
  };

  test("v2: memory.max, swap as Docker defaults it, cpu.max, cpu.weight, pids.max", () => {
    expect(v2LimitFiles(all, true)).toEqual([
      ["memory.max", "67108864"],
      ["memory.swap.max", "67108864"],
      ["cpu.max", "50000 100000"],
      ["cpu.weight", "20"],
      ["pids.max", "100"],
    ]);
    expect(v2LimitFiles({ memory: { limit: 100, swap: -1 } }, true)).toEqual([["memory.max", "100"], ["memory.swap.max", "max"]]);
    expect(v2LimitFiles({ memory: { limit: 100, swap: 300 } }, true)).toEqual([["memory.max", "100"], ["memory.swap.max", "200"]]);
    expect(v2LimitFiles({ memory: { limit: 100 } }, false)).toEqual([["memory.max", "100"]]);
    expect(() => v2LimitFiles({ memory: { limit: 100, swap: 300 } }, false)).toThrow(/memory.swap.max/);
    expect([2, 1024, 262_144, 1, 1_000_000].map(sharesToWeight)).toEqual([1, 39, 10000, 1, 10000]);
  });

  test("v1: the memory limit before memsw, the period before the quota", () => {
    expect(v1LimitFiles(all, true)).toEqual([
      ["memory", "memory.limit_in_bytes", "67108864"],
      ["memory", "memory.memsw.limit_in_bytes", "134217728"],
      ["cpu", "cpu.cfs_period_us", "100000"],
      ["cpu", "cpu.cfs_quota_us", "50000"],
      ["cpu", "cpu.shares", "512"],
      ["pids", "pids.max", "100"],
    ]);
    expect(v1LimitFiles({ memory: { limit: 100, swap: -1 } }, true)).toContainEqual(["memory", "memory.memsw.limit_in_bytes", "-1"]);
    expect(() => v1LimitFiles({ memory: { limit: 100, swap: 200 } }, false)).toThrow(/memsw/);
  });
});

describe("the v2 driver, on a directory laid out like a cgroup2 mount", () => {
  let root = "";
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const mount = (subtreeControl: string) => {
    root = mkdtempSync(join(tmpdir(), "minic-cgroup2-"));
    writeFileSync(join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
    writeFileSync(join(root, "cgroup.subtree_control"), subtreeControl);
    return detectCgroupLayout(`28 25 0:25 / ${root} rw - cgroup2 cgroup2 rw\n`, (path) => readFileSync(path, "utf8"));
  };
  const read = (...parts: string[]) => readFileSync(join(root, ...parts), "utf8");

  test("enables the controllers along the path, then writes each limit", () => {
    const cgroup = placeCgroup(mount(""), "minic/c1", {
      memory: { limit: 64 << 20 },
      cpu: { quota: 50_000, period: 100_000 },
      pids: { limit: 20 },
    });
    expect(cgroup?.dirs[0]?.controllers).toEqual(["cpu", "memory", "pids"]);
    if (!cgroup) throw new Error("no cgroup");
    v2Driver.create(cgroup, { memory: { limit: 64 << 20 }, cpu: { quota: 50_000, period: 100_000 }, pids: { limit: 20 } });
    expect(read("cgroup.subtree_control")).toBe("+cpu +memory +pids");
    expect(read("minic", "cgroup.subtree_control")).toBe("+cpu +memory +pids");
    expect(read("minic", "c1", "memory.max")).toBe("67108864");
    expect(read("minic", "c1", "cpu.max")).toBe("50000 100000");
    expect(read("minic", "c1", "pids.max")).toBe("20");
    expect(existsSync(join(root, "minic", "c1", "memory.swap.max"))).toBe(false); // this "host" has no swap accounting
  });

  test("controllers already enabled are left alone", () => {
    const cgroup = placeCgroup(mount("cpu memory pids\n"), "minic/c2", {});
    if (!cgroup) throw new Error("no cgroup");
    mkdirSync(join(root, "minic"));
    writeFileSync(join(root, "minic", "cgroup.subtree_control"), "cpu memory pids\n");
    v2Driver.create(cgroup, {});
    expect(read("cgroup.subtree_control")).toBe("cpu memory pids\n");
    expect(read("minic", "cgroup.subtree_control")).toBe("cpu memory pids\n");
    expect(existsSync(join(root, "minic", "c2"))).toBe(true);
  });

  test("a limit that cannot be written removes the directory it made", () => {
    const cgroup = placeCgroup(mount(""), "minic/c3", {});
    if (!cgroup) throw new Error("no cgroup");
    expect(() => v2Driver.create(cgroup, { memory: { limit: 64 << 20, swap: 128 << 20 } })).toThrow(MinicError);
    expect(existsSync(join(root, "minic", "c3"))).toBe(false);
  });

  test("usage and OOM kills come from the cgroup's files; removal is idempotent", () => {
    const cgroup = placeCgroup(mount(""), "minic/c4", {});
    if (!cgroup) throw new Error("no cgroup");
    v2Driver.create(cgroup, {});
    const dir = join(root, "minic", "c4");
    const files: Record<string, string> = {
      "memory.current": "1052672\n",
      "memory.stat": "anon 8192\ninactive_file 4096\nactive_file 0\n",
      "memory.max": "max\n",
      "pids.current": "3\n",
      "pids.max": "100\n",
      "cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n",
      "memory.events": "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n",
    };
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    expect(v2Driver.usage(cgroup)).toEqual({
      memoryBytes: 1048576,
      memoryLimit: null,
      pids: 3,
      pidsLimit: 100,
      cpuNanoseconds: 1.5e9,
    });
    expect(v2Driver.oomKills(cgroup)).toBe(1);
    for (const file of Object.keys(files)) rmSync(join(dir, file));
    expect(removeCgroup(cgroup)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(removeCgroup(cgroup)).toEqual([]);
  });
});

describe("device rules", () => {
  test("v1: one write per rule, in order; every device is \"a\"", () => {
    expect(v1DeviceWrites(DEFAULT_DEVICE_RULES)).toEqual([
      ["devices.deny", "a"],
      ["devices.allow", "c *:* m"],
      ["devices.allow", "b *:* m"],
      ["devices.allow", "c 1:3 rwm"],
      ["devices.allow", "c 1:5 rwm"],
      ["devices.allow", "c 1:7 rwm"],
      ["devices.allow", "c 1:8 rwm"],
      ["devices.allow", "c 1:9 rwm"],
      ["devices.allow", "c 5:0 rwm"],
      ["devices.allow", "c 5:1 rwm"],
      ["devices.allow", "c 5:2 rwm"],
      ["devices.allow", "c 136:* rwm"],
    ]);
    expect(v1DeviceWrites([{ allow: true, type: "b", major: 7, minor: -1, access: "r" }])).toEqual([["devices.allow", "b 7:* r"]]);
  });
});

describe("the v2 device program", () => {
  const instructions = (bytes: Uint8Array) => {
    const view = new DataView(bytes.buffer);
    return Array.from({ length: bytes.length / 8 }, (_, i) => ({
      opcode: view.getUint8(i * 8), dst: view.getUint8(i * 8 + 1) & 0xf, src: view.getUint8(i * 8 + 1) >> 4,
      offset: view.getInt16(i * 8 + 2, true), immediate: view.getInt32(i * 8 + 4, true),
    }));
  };

  test("rules are checked last first; a rule matching everything ends the program (no unreachable code)", () => {
    const code = instructions(deviceProgram(DEFAULT_DEVICE_RULES));
    // Prologue: six loads and shifts; then "c 136:* rwm" first: type, major, answer 1.
    expect(code.slice(6, 10)).toEqual([
      { opcode: 0x55, dst: 2, src: 0, offset: 3, immediate: 2 },
      { opcode: 0x55, dst: 4, src: 0, offset: 2, immediate: 136 },
      { opcode: 0xb7, dst: 0, src: 0, offset: 0, immediate: 1 },
      { opcode: 0x95, dst: 0, src: 0, offset: 0, immediate: 0 },
    ]);
    // Last: "deny a", unconditional: r0 = 0, exit, nothing after.
    expect(code.slice(-2)).toEqual([
      { opcode: 0xb7, dst: 0, src: 0, offset: 0, immediate: 0 },
      { opcode: 0x95, dst: 0, src: 0, offset: 0, immediate: 0 },
    ]);
  });

  test("an access check: bits outside the rule's fail it; no rule matching is a refusal", () => {
    const code = instructions(deviceProgram([{ allow: true, type: "c", major: 1, minor: 3, access: "r" }]));
    expect(code.slice(6, 13).map((i) => i.opcode)).toEqual([0x55, 0xbf, 0x54, 0x55, 0x55, 0x55, 0xb7]);
    expect(code[8]?.immediate).toBe(~2 & 7);
    expect(code.slice(-2).map((i) => [i.opcode, i.immediate])).toEqual([[0xb7, 0], [0x95, 0]]);
  });
});

describe("the rest of OCI's memory and cpu resources", () => {
  const resources: Resources = {
    memory: { limit: 64 << 20, reservation: 32 << 20, kernelTCP: 16 << 20, swappiness: 10, disableOOMKiller: true },
    cpu: { shares: 512, cpus: "0-1", mems: "0", realtimePeriod: 1000000, realtimeRuntime: 0 },
  };

  test("v1: soft limit, kernel TCP, swappiness, the OOM killer off, the cpuset, real-time budget (period first)", () => {
    const files = v1LimitFiles(resources, true).map(([, file, value]) => `${file}=${value}`);
    expect(files).toEqual(expect.arrayContaining([
      "memory.soft_limit_in_bytes=33554432", "memory.kmem.tcp.limit_in_bytes=16777216", "memory.swappiness=10", "memory.oom_control=1",
      "cpuset.cpus=0-1", "cpuset.mems=0", "cpu.rt_period_us=1000000", "cpu.rt_runtime_us=0",
    ]));
    expect(files.indexOf("cpu.rt_period_us=1000000")).toBeLessThan(files.indexOf("cpu.rt_runtime_us=0"));
    expect(v1LimitFiles({ memory: { reservation: 5 } }, true)).toEqual([["memory", "memory.soft_limit_in_bytes", "5"]]);
  });

  test("v2: memory.low and the cpuset; what v2 does not have is refused by name", () => {
    expect(v2LimitFiles({ memory: { reservation: 100 }, cpu: { cpus: "1" } }, true)).toEqual([["memory.low", "100"], ["cpuset.cpus", "1"]]);
    expect(() => v2LimitFiles({ memory: { swappiness: 1 } }, true)).toThrow("exist on cgroup v1 only");
    expect(() => v2LimitFiles({ cpu: { realtimeRuntime: 1 } }, true)).toThrow("exist on cgroup v1 only");
  });
});

describe("block I/O, huge pages and network classes", () => {
  const resources: Resources = {
    blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 500 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 100 }] },
    hugepageLimits: [{ pageSize: "2MB", limit: 4194304 }],
    network: { classID: 1048577, priorities: [{ name: "eth0", priority: 5 }] },
  };

  test("v1: blkio weights and throttles, hugetlb limits, net_cls and net_prio", () => {
    expect(v1LimitFiles(resources, false)).toEqual([
      ["blkio", "blkio.weight", "300"],
      ["blkio", "blkio.weight_device", "8:0 500"],
      ["blkio", "blkio.throttle.read_bps_device", "8:0 1048576"],
      ["blkio", "blkio.throttle.write_iops_device", "8:16 100"],
      ["hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304"],
      ["net_cls", "net_cls.classid", "1048577"],
      ["net_prio", "net_prio.ifpriomap", "eth0 5"],
    ]);
  });

  test("v2: io.weight and io.max, hugetlb.SIZE.max; network classes are v1's only", () => {
    const { network: _, ...v2Resources } = resources;
    expect(v2LimitFiles(v2Resources, false)).toEqual([
      ["io.weight", "default 300"],
      ["io.weight", "8:0 500"],
      ["io.max", "8:0 rbps=1048576"],
      ["io.max", "8:16 wiops=100"],
      ["hugetlb.2MB.max", "4194304"],
    ]);
    expect(() => v2LimitFiles(resources, false)).toThrow("exists on cgroup v1 only");
  });
});
