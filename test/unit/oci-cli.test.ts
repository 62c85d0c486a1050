import { describe, expect, test } from "bun:test";
import { speaksRunc } from "../../src/cli/dialect.ts";
import { MinicError } from "../../src/errors.ts";
import { specFromBundle } from "../../src/spec/from-bundle.ts";

describe("which command line a call speaks", () => {
  test("runc's: its global flags, its own verbs, create with a bundle, kill ID SIGNAL", () => {
    expect(speaksRunc(["--root", "/run/x", "create", "--bundle", "b", "id"])).toBe(true);
    expect(speaksRunc(["--log=/tmp/l", "start", "id"])).toBe(true);
    expect(speaksRunc(["state", "id"])).toBe(true);
    expect(speaksRunc(["list", "--format", "json"])).toBe(true);
    expect(speaksRunc(["features"])).toBe(true);
    expect(speaksRunc(["ps", "--format", "json", "id"])).toBe(true);
    expect(speaksRunc(["--root", "/run/x", "pause", "id"])).toBe(true);
    expect(speaksRunc(["resume", "id"])).toBe(true);
    expect(speaksRunc(["spec"])).toBe(true);
    expect(speaksRunc(["update", "--pids-limit", "5", "id"])).toBe(true);
    expect(speaksRunc(["events", "--stats", "id"])).toBe(true);
    expect(speaksRunc(["run", "-b", "/b", "--detach", "id"])).toBe(true);
    expect(speaksRunc(["delete", "--force", "id"])).toBe(true);
    expect(speaksRunc(["create", "--bundle", "/b", "id"])).toBe(true);
    expect(speaksRunc(["create", "--pid-file=/p", "-b", "/b", "id"])).toBe(true);
    expect(speaksRunc(["create", "--no-pivot", "id"])).toBe(true);
    expect(speaksRunc(["run", "--no-new-keyring", "id"])).toBe(true);
    expect(speaksRunc(["kill", "id", "TERM"])).toBe(true);
    expect(speaksRunc(["kill", "id", "9"])).toBe(true);
    expect(speaksRunc(["kill", "--all", "id"])).toBe(true);
    expect(speaksRunc(["exec", "--process", "/p.json", "--detach", "id"])).toBe(true);
    expect(speaksRunc(["exec", "--pid-file=/p", "-t", "--console-socket", "/s", "id"])).toBe(true);
  });

  test("Docker's: everything else", () => {
    // Docker's pause, by name, unless runc's global flags say an engine calls.
    expect(speaksRunc(["pause", "web"])).toBe(false);
    expect(speaksRunc(["run", "--rm", "--rootfs", "r", "true"])).toBe(false);
    expect(speaksRunc(["create", "--rootfs", "r", "sleep", "9"])).toBe(false);
    expect(speaksRunc(["kill", "web"])).toBe(false);
    expect(speaksRunc(["kill", "-s", "TERM", "web", "db"])).toBe(false);
    expect(speaksRunc(["kill", "web", "db", "cache"])).toBe(false);
    // Two containers, the second not a signal name: Docker's (a bug once: "db" read as a signal).
    expect(speaksRunc(["kill", "web", "db"])).toBe(false);
    expect(speaksRunc(["kill", "r", "s"])).toBe(false);
    expect(speaksRunc(["kill", "id", "sigusr1"])).toBe(true);
    expect(speaksRunc(["kill", "id", "RTMIN+3"])).toBe(true);
    // A short id of digits only is no signal.
    expect(speaksRunc(["kill", "web", "123456789012"])).toBe(false);
    expect(speaksRunc(["start", "web"])).toBe(false);
    expect(speaksRunc(["exec", "-it", "web", "sh"])).toBe(false);
    expect(speaksRunc(["exec", "web", "ls", "-d", "--cwd"])).toBe(false);
    expect(speaksRunc(["--debug", "ps"])).toBe(false);
    expect(speaksRunc(["ps", "-a", "-q"])).toBe(false);
    expect(speaksRunc(["ps", "--filter", "name=web", "--format", "{{.Names}}", "-n", "3"])).toBe(false);
    expect(speaksRunc(["ps", "-f", "status=exited"])).toBe(false);
    expect(speaksRunc(["ps", "-f", "json", "id", "-o", "pid"])).toBe(true);
    expect(speaksRunc([])).toBe(false);
  });
});

describe("config.json to a spec", () => {
  const config = () => ({
    ociVersion: "1.0.2",
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/", capabilities: { bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], effective: ["CAP_KILL"], ambient: ["CAP_KILL"] } },
    root: { path: "rootfs" },
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }, { destination: "/data", source: "data", options: ["rbind"] }],
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }], devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }] },
  });

  test("what a config may leave out gets runc's values; relative paths are the bundle's", () => {
    const { spec, ignored } = specFromBundle(config(), "/srv/b", "web");
    expect(spec.root).toEqual({ path: "/srv/b/rootfs", readonly: false });
    expect(spec.process.terminal).toBe(false);
    expect(spec.process.env).toEqual([]);
    expect(spec.process.capabilities.inheritable).toEqual([]);
    expect(spec.mounts[0]).toEqual({ destination: "/proc", type: "proc", source: "proc", options: [] });
    expect(spec.mounts[1]).toEqual({ destination: "/data", type: "bind", source: "/srv/b/data", options: ["rbind"] });
    expect(spec.linux.devices[0]).toEqual({ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 });
    // The runtime spec's default devices are always there, and allowed after the config's rules.
    expect(spec.linux.devices.map((device) => device.path)).toEqual(["/dev/fuse", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]);
    expect(spec.linux.resources.devices?.find((rule) => rule.major === 1 && rule.minor === 3)).toEqual({ allow: true, type: "c", major: 1, minor: 3, access: "rwm" });
    expect(spec.linux.cgroupsPath).toBe("minic/web");
    expect(spec.hostname).toBe("");
    // An ambient capability the kernel cannot raise (not inheritable) is dropped with a warning, as runc warns.
    expect(spec.process.capabilities.ambient).toEqual([]);
    expect(ignored).toEqual(["process.capabilities.ambient: CAP_KILL cannot be raised (not both permitted and inheritable)"]);
  });

  test("cgroupsPath: absolute or relative, below each hierarchy's root; systemd's slice form as systemd would place it", () => {
    const withPath = (cgroupsPath: string) => specFromBundle({ ...config(), linux: { ...config().linux, cgroupsPath } }, "/b", "id").spec.linux.cgroupsPath;
    expect(withPath("/kube/pod1/c")).toBe("kube/pod1/c");
    expect(withPath("engine/c")).toBe("engine/c");
    // systemd's form, where systemd would put it.
    expect(withPath("system.slice:docker:c")).toBe("system.slice/docker-c.scope");
    expect(withPath("kubepods-besteffort-pod1.slice:cri-containerd:abc")).toBe("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope");
    expect(withPath(":crio:abc")).toBe("system.slice/crio-abc.scope");
    expect(withPath("-.slice:p:abc")).toBe("p-abc.scope");
    expect(() => withPath("a:b")).toThrow('invalid spec: linux.cgroupsPath "a:b" has a colon but is not systemd\'s SLICE:PREFIX:NAME');
    expect(() => withPath("a--b.slice:p:n")).toThrow('names an invalid slice "a--b.slice"');
  });

  test("the same validator decides: unsupported fields are named; without a mount namespace, what needs one is refused", () => {
    expect(() => specFromBundle({ ...config(), linux: { ...config().linux, intelRdt: {} } }, "/b", "id")).toThrow("invalid spec: linux.intelRdt is not supported by minic");
    expect(specFromBundle({ ...config(), linux: { namespaces: [{ type: "pid" }] } }, "/b", "id").spec.linux.namespaces).toEqual([{ type: "pid" }]);
    expect(() => specFromBundle({ ...config(), linux: { namespaces: [{ type: "pid" }], maskedPaths: ["/proc/kcore"] } }, "/b", "id")).toThrow("invalid spec: linux.maskedPaths needs a mount namespace (linux.namespaces has none)");
    expect(() => specFromBundle({ ...config(), root: { path: "rootfs", readonly: true }, linux: { namespaces: [{ type: "pid" }] } }, "/b", "id")).toThrow("invalid spec: root.readonly needs a mount namespace");
    expect(() => specFromBundle([], "/b", "id")).toThrow(MinicError);
    // A bind's file system data (the conformance suite's mode=755, size=1k) is left out with a note;
    // an unknown word is still refused, as it may ask for what minic would not do.
    const withBind = (options: string[]) => specFromBundle({ ...config(), mounts: [{ destination: "/d", source: "/s", options }] }, "/b", "id");
    const data = withBind(["bind", "nosuid", "mode=755", "size=1k"]);
    expect(data.spec.mounts[0]?.options).toEqual(["bind", "nosuid"]);
    expect(data.ignored).toContain('mounts[0].options: "mode=755", "size=1k" mean nothing to a bind mount: ignored');
    expect(() => withBind(["rbind", "rro"])).toThrow('"rro" is not an option minic knows for a bind mount');
    expect(withBind(["size=1k"]).spec.mounts[0]?.options).toEqual(["size=1k"]);
    const lsm = specFromBundle({ ...config(), process: { ...config().process, apparmorProfile: "docker-default" } }, "/b", "id");
    expect(lsm.ignored).toContain("process.apparmorProfile is ignored: this host has no such security module enabled");
  });
});

describe("extensibility", () => {
  const base = {
    ociVersion: "1.0.2",
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" },
    root: { path: "/r" },
    linux: { namespaces: [{ type: "mount" }] },
  };

  test("a property the runtime spec does not define is ignored with a note; another platform's section too", () => {
    const { ignored } = specFromBundle({ ...base, unknown: "x", windows: {} }, "/b", "id");
    expect(ignored).toEqual(["unknown is not a property of the runtime spec: ignored"]);
  });

  test("an ociVersion that is not 1.x.y is an error", () => {
    expect(() => specFromBundle({ ...base, ociVersion: "invalid" }, "/b", "id")).toThrow('invalid spec: ociVersion "invalid" is not a version of the runtime spec minic reads (1.x.y)');
  });
});

describe("what this host cannot give", () => {
  const base = {
    ociVersion: "1.0.2",
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/", capabilities: { bounding: ["CAP_KILL", "CAP_SYS_RESOURCE"], permitted: ["CAP_KILL"] } },
    root: { path: "/r" },
    linux: { namespaces: [{ type: "mount" }], mountLabel: "system_u:object_r:container_file_t:s0" },
  };

  test("a capability minic lacks: left out of the bounding set with a note, refused in a set that grants it; an SELinux mount label is noted and ignored", () => {
    const { spec, ignored } = specFromBundle(base, "/b", "id", ["CAP_KILL", "CAP_CHOWN"]);
    expect(spec.process.capabilities.bounding).toEqual(["CAP_KILL"]);
    expect(ignored).toContain("process.capabilities.bounding: CAP_SYS_RESOURCE left out: minic itself does not have it");
    expect(ignored).toContain("linux.mountLabel is ignored: this host has no such security module enabled");
    const granting = { ...base, process: { ...base.process, capabilities: { bounding: ["CAP_KILL", "CAP_SYS_RESOURCE"], effective: ["CAP_SYS_RESOURCE"] } } };
    expect(() => specFromBundle(granting, "/b", "id", ["CAP_KILL"])).toThrow("cannot grant process.capabilities.effective CAP_SYS_RESOURCE: minic itself does not hold it on this host");
  });
});
