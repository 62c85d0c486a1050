// The one validator every front end's spec goes through: what it accepts and the one line it
// gives for each kind of wrong field.
import { describe, expect, test } from "bun:test";
import { MinicError } from "../../src/errors.ts";
import { buildSpec } from "../../src/spec/from-run-flags.ts";
import { NO_LIMITS } from "../../src/spec/limits.ts";
import type { RunOptions } from "../../src/spec/run-options.ts";
import type { Spec } from "../../src/spec/types.ts";
import { validateSpec } from "../../src/spec/validate.ts";
import { runOptions, specContext } from "../support/options.ts";

const options: RunOptions = runOptions({
  env: ["A=1"], workdir: "/w", network: "none",
  mounts: [{ type: "bind", source: "/h", destination: "/d", readonly: true, createSource: false }],
  limits: { ...NO_LIMITS, memory: "64m", pidsLimit: "10" },
});
const built = () => buildSpec(options, specContext({ id: "a".repeat(64), rootfs: "/r" }));
/** A spec as JSON (a config.json would arrive so) with one change. */
function changed(change: (spec: Spec) => void): unknown {
  const spec = JSON.parse(JSON.stringify(built())) as Spec;
  change(spec);
  return spec;
}
/** Set a field to a value its type does not allow, as a hand-written config.json may. */
function set(target: object, key: string, value: unknown): void {
  Object.assign(target, { [key]: value });
}
const refusal = (input: unknown): string => {
  try {
    validateSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(MinicError);
    return (error as MinicError).message;
  }
  throw new Error("the spec was accepted");
};

describe("validateSpec", () => {
  test("every spec `run` builds passes, unchanged", () => {
    const spec = built();
    expect(validateSpec(spec)).toBe(spec);
    expect(validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  test("a config.json with the optional OCI fields minic honours passes", () => {
    const spec = changed((s) => {
      s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 4096 }];
      s.process.noNewPrivileges = true;
      s.process.oomScoreAdj = -500;
      s.process.consoleSize = { height: 24, width: 80 };
      s.process.user = { uid: 1000, gid: 1000, umask: 0o077, additionalGids: [10, 20] };
      s.linux.sysctl = { "net.ipv4.ip_forward": "1", "kernel.msgmax": "8192" };
      s.linux.namespaces = s.linux.namespaces.map((ns) => (ns.type === "network" ? { type: "network", path: "/proc/1/ns/net" } : ns));
      s.linux.rootfsPropagation = "rslave";
      s.linux.devices.push({ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 });
    });
    expect(() => validateSpec(spec)).not.toThrow();
  });

  test("unknown or unsupported fields are refused by name, never ignored", () => {
    expect(refusal(changed((s) => set(s, "hooks", { prestop: [] })))).toBe("invalid spec: hooks.prestop is not supported by minic");
    expect(refusal(changed((s) => set(s, "hooks", { prestart: [{ path: "hook" }] })))).toBe('invalid spec: hooks.prestart[0].path must be an absolute path, not "hook"');
    expect(refusal(changed((s) => set(s.linux, "intelRdt", {})))).toBe("invalid spec: linux.intelRdt is not supported by minic");
    expect(refusal(changed((s) => set(s.linux, "personality", { domain: "BSD" })))).toBe('invalid spec: linux.personality.domain must be LINUX or LINUX32, not "BSD"');
    expect(refusal(changed((s) => set(s.linux.resources, "unified", { "../x": "1" })))).toBe('invalid spec: linux.resources.unified names an invalid cgroup file "../x"');
    expect(refusal(changed((s) => set(s.linux, "seccomp", { defaultAction: "SCMP_ACT_ERRNO", listenerPath: "/x" })))).toBe("invalid spec: linux.seccomp.listenerPath is not supported by minic");
    expect(refusal(changed((s) => set(s.linux, "seccomp", { defaultAction: "SCMP_ACT_NOPE" })))).toBe("invalid spec: linux.seccomp.defaultAction names an unknown action \"SCMP_ACT_NOPE\"");
    expect(refusal(changed((s) => set(s.process, "apparmorProfile", "x")))).toBe("invalid spec: process.apparmorProfile is not supported by minic");
    expect(refusal(changed((s) => set(s.linux.resources, "rdma", {})))).toBe("invalid spec: linux.resources.rdma is not supported by minic");
    expect(refusal(changed((s) => set(s.linux.resources, "devices", [{ allow: true, access: "rwx" }])))).toBe('invalid spec: linux.resources.devices[0].access must be made of r, w and m, not "rwx"');
    expect(refusal(changed((s) => set(s.linux.resources, "devices", [{ allow: "yes" }])))).toBe("invalid spec: linux.resources.devices[0].allow must be true or false");
    expect(refusal(changed((s) => set(s.mounts[0] ?? {}, "uidMappings", [])))).toBe("invalid spec: mounts[0].uidMappings is not supported by minic");
    const bind = (options: string[]) => changed((s) => s.mounts.push({ destination: "/data", type: "bind", source: "/srv", options }));
    expect(refusal(bind(["rbind", "idmap"]))).toBe('invalid spec: mounts[8].options "idmap" (an idmapped mount) is not supported by minic');
    expect(refusal(bind(["bind", "rro"]))).toBe('invalid spec: mounts[8].options "rro" is not an option minic knows for a bind mount');
    expect(() => validateSpec(bind(["rbind", "ro", "nosymfollow", "rprivate"]))).not.toThrow();
    expect(refusal(changed((s) => (s.linux.namespaces = [{ type: "mount", path: "proc/1/ns/mnt" }])))).toBe("invalid spec: linux.namespaces[0].path must be an absolute path, not \"proc/1/ns/mnt\"");
  });

  test("user namespaces: a new one needs both maps, mapping root, without overlaps", () => {
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const withUser = (edit: (s: Spec) => void) =>
      changed((s) => {
        s.linux.namespaces.push({ type: "user" });
        s.linux.uidMappings = [...map];
        s.linux.gidMappings = [...map];
        edit(s);
      });
    expect(() => validateSpec(withUser(() => {}))).not.toThrow();
    expect(refusal(withUser((s) => delete s.linux.gidMappings))).toBe("invalid spec: linux.gidMappings is required with a new user namespace");
    expect(refusal(withUser((s) => (s.linux.uidMappings = [])))).toBe("invalid spec: linux.uidMappings must be a non-empty array");
    expect(refusal(withUser((s) => (s.linux.uidMappings = [{ containerID: 1, hostID: 100000, size: 10 }])))).toBe("invalid spec: linux.uidMappings must map container id 0");
    expect(refusal(withUser((s) => (s.linux.uidMappings = [...map, { containerID: 70000, hostID: 165535, size: 10 }])))).toBe("invalid spec: linux.uidMappings has overlapping host ranges at 165535");
    expect(refusal(withUser((s) => (s.linux.gidMappings = [...map, { containerID: 65535, hostID: 200000, size: 1 }])))).toBe("invalid spec: linux.gidMappings has overlapping container ranges at 65535");
    expect(refusal(withUser((s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 4294967290, size: 10 }])))).toBe("invalid spec: linux.uidMappings[0] runs past the last id (4294967294)");
    expect(refusal(withUser((s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1, size: 0 }])))).toBe("invalid spec: linux.uidMappings[0].size must be a whole number from 1 to 4294967295");
    expect(refusal(withUser((s) => set(s.linux.uidMappings?.[0] ?? {}, "type", "x")))).toBe("invalid spec: linux.uidMappings[0].type is not supported by minic");
    expect(refusal(changed((s) => (s.linux.uidMappings = [...map])))).toBe("invalid spec: linux.uidMappings needs a user namespace in linux.namespaces");
    // The process's ids must be mapped: the kernel would only say EINVAL at the switch.
    expect(refusal(withUser((s) => {
      s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.process.user.uid = 70000;
    }))).toBe("invalid spec: process.user.uid 70000 is not mapped in the container's user namespace (linux.uidMappings maps 0-65535)");
    expect(refusal(withUser((s) => {
      s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.process.user.gid = 5;
    }))).toBe("invalid spec: process.user.gid 5 is not mapped in the container's user namespace (linux.gidMappings maps 0)");
    const joined = (edit: (s: Spec) => void) =>
      changed((s) => {
        s.linux.namespaces = s.linux.namespaces.filter((ns) => ns.type !== "pid");
        s.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" });
        edit(s);
      });
    expect(() => validateSpec(joined(() => {}))).not.toThrow();
    expect(refusal(joined((s) => (s.linux.uidMappings = [...map])))).toBe("invalid spec: linux.uidMappings cannot be set when the user namespace is joined by path");
    expect(refusal(joined((s) => s.linux.namespaces.push({ type: "pid" })))).toBe("invalid spec: linux.namespaces cannot make a new PID namespace inside a user namespace joined by path");
  });

  test("paths: absolute, no NUL, no .. in destinations", () => {
    expect(refusal(changed((s) => (s.process.cwd = "work")))).toBe('invalid spec: process.cwd must be an absolute path, not "work"');
    expect(refusal(changed((s) => (s.root.path = "/r\0x")))).toBe("invalid spec: root.path contains a NUL byte");
    expect(refusal(changed((s) => set(s.mounts[0] ?? {}, "destination", "/a/../../etc")))).toBe('invalid spec: mounts[0].destination must not contain "..": /a/../../etc');
    expect(refusal(changed((s) => (s.linux.maskedPaths[3] = "proc/kcore")))).toBe('invalid spec: linux.maskedPaths[3] must be an absolute path, not "proc/kcore"');
    expect(refusal(changed((s) => set(s.linux.devices[0] ?? {}, "path", "/etc/null")))).toBe("invalid spec: linux.devices[0].path must be under /dev: /etc/null");
    expect(refusal(changed((s) => (s.linux.cgroupsPath = "minic/../../x")))).toBe('invalid spec: linux.cgroupsPath must not contain "..": minic/../../x');
  });

  test("types, names and ranges", () => {
    expect(refusal(changed((s) => (s.process.args = [])))).toBe("invalid spec: process.args must name a command");
    expect(refusal(changed((s) => (s.process.env = ["A=1", "NOEQUALS"])))).toBe('invalid spec: process.env[1] must be KEY=VALUE, not "NOEQUALS"');
    expect(refusal(changed((s) => set(s.process, "env", ["A=1", 7])))).toBe("invalid spec: process.env[1] must be a string");
    expect(refusal(changed((s) => (s.process.user.uid = -1)))).toBe("invalid spec: process.user.uid must be a whole number from 0 to 4294967294");
    expect(refusal(changed((s) => set(s.process.user, "gid", "0")))).toBe("invalid spec: process.user.gid must be a whole number from 0 to 4294967294");
    expect(refusal(changed((s) => set(s.process.capabilities.bounding, "2", "CAP_NONSENSE")))).toBe('invalid spec: process.capabilities.bounding[2] names an unknown capability "CAP_NONSENSE"');
    expect(refusal(changed((s) => (s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 9, hard: 8 }])))).toBe("invalid spec: process.rlimits[0] has soft above hard");
    expect(refusal(changed((s) => set(s.process, "rlimits", [{ type: "RLIMIT_BOGUS", soft: 1, hard: 1 }])))).toBe('invalid spec: process.rlimits[0].type names an unknown limit "RLIMIT_BOGUS"');
    expect(refusal(changed((s) => (s.process.oomScoreAdj = 1001)))).toBe("invalid spec: process.oomScoreAdj must be a whole number from -1000 to 1000");
    expect(refusal(changed((s) => (s.hostname = "h".repeat(65))))).toBe("invalid spec: hostname is longer than 64 characters");
    expect(refusal(changed((s) => (s.linux.namespaces = [{ type: "pid" }, { type: "pid" }])))).toBe("invalid spec: linux.namespaces lists pid twice");
    expect(refusal(changed((s) => set(s.linux, "namespaces", [{ type: "time" }])))).toBe('invalid spec: linux.namespaces[0].type names an unknown namespace "time"');
    expect(refusal(changed((s) => set(s.linux, "rootfsPropagation", "sideways")))).toBe("invalid spec: linux.rootfsPropagation must be one of private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable");
    expect(refusal(changed((s) => set(s.linux.devices[0] ?? {}, "type", "x")))).toBe('invalid spec: linux.devices[0].type must be c, b or p, not "x"');
    expect(refusal(changed((s) => set(s.linux.resources.pids ?? {}, "limit", 0)))).toBe("invalid spec: linux.resources.pids.limit must be a whole number from 1 to 9007199254740991");
    expect(refusal(changed((s) => (s.linux.sysctl = { "bad key": "1" })))).toBe('invalid spec: linux.sysctl has an invalid key "bad key"');
    expect(refusal([])).toBe("invalid spec: the spec must be an object");
    expect(refusal(changed((s) => set(s, "process", null)))).toBe("invalid spec: process must be an object");
  });
});
