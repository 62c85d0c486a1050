import { describe, expect, test } from "bun:test";
import { buildSpec, cgroupParent, type SpecContext } from "../../src/spec/from-run-flags.ts";
import { containerEnv, homeFromPasswd, searchPath } from "../../src/spec/env.ts";
import { MinicError } from "../../src/errors.ts";
import type { RunOptions } from "../../src/spec/run-options.ts";
import { DEFAULT_DEVICE_RULES } from "../../src/spec/defaults.ts";
import { runOptions, specContext } from "../support/options.ts";
import { hostIdOf, idMapsFromFlags, parseIdMapFlag } from "../../src/spec/id-maps.ts";

const options = (overrides: Partial<RunOptions> = {}): RunOptions => runOptions({ rootfs: "./rootfs", command: ["/bin/sh"], ...overrides });

const context: SpecContext = specContext({ id: "a".repeat(64), name: "calm_turing_1234", rootfs: "/srv/rootfs", callerEnv: { USER_VAR: "u" } });

describe("buildSpec", () => {
  test("is shaped like an OCI config.json with Docker's defaults", () => {
    const spec = buildSpec(options({ command: ["echo", "hi"] }), context);
    expect(spec.ociVersion).toBe("1.2.0");
    expect(spec.process.args).toEqual(["echo", "hi"]);
    expect(spec.process.cwd).toBe("/");
    expect(spec.root).toEqual({ path: "/srv/rootfs", readonly: false });
    expect(spec.hostname).toBe("calm_turing_1234");
    expect(spec.linux.namespaces.map((ns) => ns.type)).toEqual(["pid", "ipc", "uts", "mount", "cgroup"]);
    expect(spec.mounts.map((m) => m.destination)).toEqual(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"]);
    expect(spec.mounts.find((m) => m.destination === "/sys/fs/cgroup")?.options).toContain("ro");
    expect(spec.linux.cgroupsPath).toBe(`minic/${"a".repeat(64)}`);
    expect(spec.linux.resources).toEqual({ devices: DEFAULT_DEVICE_RULES });
    expect(spec.mounts.find((m) => m.destination === "/sys")?.options).toContain("ro");
    expect(spec.linux.devices.map((d) => `${d.path} ${d.major}:${d.minor}`)).toEqual([
      "/dev/null 1:3", "/dev/zero 1:5", "/dev/full 1:7", "/dev/random 1:8", "/dev/urandom 1:9", "/dev/tty 5:0",
    ]);
    expect(spec.process.capabilities.bounding).toHaveLength(14);
    expect(spec.process.capabilities.ambient).toEqual([]);
    expect(spec.linux.maskedPaths).toContain("/proc/kcore");
    expect(spec.linux.readonlyPaths).toContain("/proc/sys");
  });

  test("--init: the host's tini bound read-only at /sbin/minic-init and run as PID 1 before the command", () => {
    const spec = buildSpec(options({ command: ["sleep", "9"] }), { ...context, initBinary: "/usr/bin/tini-static" });
    expect(spec.process.args).toEqual(["/sbin/minic-init", "--", "sleep", "9"]);
    expect(spec.mounts.at(-1)).toEqual({ destination: "/sbin/minic-init", type: "bind", source: "/usr/bin/tini-static", options: ["bind", "ro", "nosuid", "nodev"] });
    expect(buildSpec(options({ command: ["sleep", "9"] }), context).process.args).toEqual(["sleep", "9"]);
  });

  test("--network none adds a network namespace; --read-only a read-only root", () => {
    const spec = buildSpec(options({ network: "none", readOnly: true }), context);
    expect(spec.linux.namespaces.map((ns) => ns.type)).toContain("network");
    expect(spec.root.readonly).toBe(true);
  });

  test("hostname, workdir and env flags land in the spec", () => {
    const spec = buildSpec(options({ hostname: "box", workdir: "/app", env: ["A=1", "USER_VAR"] }), context);
    expect(spec.hostname).toBe("box");
    expect(spec.process.cwd).toBe("/app");
    expect(spec.process.env).toEqual([
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOSTNAME=box",
      "HOME=/root",
      "A=1",
      "USER_VAR=u",
    ]);
  });

  test("a long name is cut to a 64-character hostname; bad values are refused", () => {
    expect(buildSpec(options(), { ...context, name: "n".repeat(100) }).hostname).toHaveLength(64);
    expect(() => buildSpec(options({ hostname: "x".repeat(65) }), context)).toThrow(MinicError);
    expect(() => buildSpec(options({ workdir: "rel" }), context)).toThrow("needs to be an absolute path");
    expect(() => buildSpec(options({ command: ["a\0b"] }), context)).toThrow(MinicError);
  });
});

describe("environment", () => {
  test("later -e wins, bare -e copies from the caller or is dropped", () => {
    const env = containerEnv(["PATH=/x", "K=1", "K=2", "FROM", "MISSING"], { hostname: "h", home: "/home/u", terminal: true }, { FROM: "f" });
    expect(env).toEqual(["PATH=/x", "HOSTNAME=h", "HOME=/home/u", "TERM=xterm", "K=2", "FROM=f"]);
  });

  test("values may contain '=' and be empty", () => {
    expect(containerEnv(["A=b=c", "E="], { hostname: "h", home: "/", terminal: false }, {})).toContain("A=b=c");
    expect(containerEnv(["E="], { hostname: "h", home: "/", terminal: false }, {})).toContain("E=");
  });

  test("empty or spaced keys are refused", () => {
    expect(() => containerEnv(["=v"], { hostname: "h", home: "/", terminal: false }, {})).toThrow(MinicError);
    expect(() => containerEnv(["A B=v"], { hostname: "h", home: "/", terminal: false }, {})).toThrow(MinicError);
  });

  test("HOME comes from passwd; PATH for lookup from the env", () => {
    expect(homeFromPasswd("root:x:0:0:root:/var/root:/bin/sh\n", 0)).toBe("/var/root");
    expect(homeFromPasswd("daemon:x:1:1::/usr/sbin:/bin/false\n", 0)).toBeNull();
    expect(searchPath(["PATH=/a:/b"])).toBe("/a:/b");
    expect(searchPath([])).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  });
});

describe("--cgroup-parent", () => {
  test("the container's cgroup goes under it, relative to each hierarchy's root", () => {
    expect(buildSpec(options(), context).linux.cgroupsPath).toBe(`minic/${context.id}`);
    expect(buildSpec(options({ cgroupParent: "/services/web/" }), context).linux.cgroupsPath).toBe(`services/web/${context.id}`);
    expect(cgroupParent("batch")).toBe("batch");
  });

  test("paths that leave the hierarchy or name nothing are refused", () => {
    for (const bad of ["", "/", "a/../b", "..", "a//b", "./a"]) {
      expect(() => cgroupParent(bad)).toThrow(`invalid --cgroup-parent "${bad}": expected a path of cgroup names such as minic or services/web`);
    }
  });
});

describe("--uidmap and --gidmap", () => {
  test("CONTAINER:HOST:COUNT, as podman spells it", () => {
    expect(parseIdMapFlag("uidmap", "0:100000:65536")).toEqual({ containerID: 0, hostID: 100000, size: 65536 });
    for (const bad of ["0:100000", "0:1:0", "a:1:1", "0:-1:5", "0:1:1:1", "", "0:4294967295:1"]) {
      expect(() => parseIdMapFlag("uidmap", bad)).toThrow(`invalid --uidmap "${bad}"`);
    }
  });

  test("either flag makes a user namespace; one alone serves for both", () => {
    const map = [{ containerID: 0, hostID: 100000, size: 10 }];
    expect(idMapsFromFlags([], [])).toBeNull();
    expect(idMapsFromFlags(map, [])).toEqual({ uidMappings: map, gidMappings: map });
    expect(idMapsFromFlags([], map)).toEqual({ uidMappings: map, gidMappings: map });
    const built = buildSpec(options({ uidMap: map }), context);
    expect(built.linux.namespaces).toContainEqual({ type: "user" });
    expect(built.linux.uidMappings).toEqual(map);
    expect(buildSpec(options(), context).linux.namespaces.some((ns) => ns.type === "user")).toBe(false);
  });

  test("hostIdOf finds the host id an id inside maps to", () => {
    const maps = [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 1000, hostID: 5000, size: 1 }];
    expect(hostIdOf(maps, 0)).toBe(100000);
    expect(hostIdOf(maps, 9)).toBe(100009);
    expect(hostIdOf(maps, 1000)).toBe(5000);
    expect(hostIdOf(maps, 10)).toBeNull();
  });
});
