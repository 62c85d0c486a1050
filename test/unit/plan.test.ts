import { describe, expect, test } from "bun:test";
import { CString, ptr, read, type Pointer } from "bun:ffi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerCgroup } from "../../src/cgroups/types.ts";
import { describeOp } from "../../src/plan/describe.ts";
import { encodeJob, encodePlan } from "../../src/plan/encode.ts";
import type { Op } from "../../src/plan/ops.ts";
import { buildExecPlan, buildPlan, joinsUserNamespace, ROOT_TREE_SLOT, SYSFS_TREE_SLOT, type ContainerLayout } from "../../src/plan/plan.ts";
import { constant, offsetOf, opConstantName, parseProtocol, protocol, sizeOf } from "../../src/plan/protocol.ts";
import { buildSpec } from "../../src/spec/from-run-flags.ts";
import { parseMountOptions } from "../../src/spec/mount-options.ts";
import type { RunOptions } from "../../src/spec/run-options.ts";
import type { Spec } from "../../src/spec/types.ts";
import { runOptions, specContext } from "../support/options.ts";

const options: RunOptions = runOptions({ workdir: "/work" });
const overlay = { upperdir: "/s/c/upper", workdir: "/s/c/work", merged: "/s/c/merged" };
const layout: ContainerLayout = { id: "id", overlay, cgroup: null };
const root = { uid: 0, gid: 0, additionalGids: [], home: "/root" };
const spec = (overrides: Partial<RunOptions> = {}): Spec =>
  buildSpec({ ...options, ...overrides }, specContext({ user: root }));
const kinds = (ops: Op[]) => ops.map((op) => op.op);
const indexOf = (ops: Op[], match: (op: Op) => boolean) => {
  const index = ops.findIndex(match);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
};

describe("buildPlan", () => {
  const plan = buildPlan(spec(), layout);

  test("clone flags follow the namespaces; the cgroup namespace is made last, by unshare", () => {
    expect(plan.cloneFlags).toEqual(["CLONE_NEWPID", "CLONE_NEWIPC", "CLONE_NEWUTS", "CLONE_NEWNS"]);
    expect(buildPlan(spec({ network: "none" }), layout).cloneFlags).toContain("CLONE_NEWNET");
    expect(plan.ops).toContainEqual({ op: "unshare", flags: ["CLONE_NEWCGROUP"] });
  });

  test("starts safe: / made private first; the parent's record awaited before the terminal and the cgroup", () => {
    expect(kinds(plan.ops).slice(0, 2)).toEqual(["umask", "mount"]);
    expect(plan.ops[1]).toMatchObject({ target: "/", flags: ["MS_REC", "MS_PRIVATE"] });
    const wait = indexOf(plan.ops, (op) => op.op === "wait-parent");
    expect(wait).toBeGreaterThan(indexOf(plan.ops, (op) => op.op === "pivot_root"));
    const withTerminal = buildPlan(spec({ tty: true }), { id: "id", overlay, cgroup: null }).ops;
    expect(indexOf(withTerminal, (op) => op.op === "wait-parent")).toBe(indexOf(withTerminal, (op) => op.op === "terminal") - 1);
  });

  test("the overlay, then every spec mount in spec order inside the root, then pivot_root", () => {
    const overlayAt = indexOf(plan.ops, (op) => op.op === "mount" && op.fstype === "overlay");
    expect(plan.ops[overlayAt]).toMatchObject({ target: "/s/c/merged", data: "lowerdir=/rootfs,upperdir=/s/c/upper,workdir=/s/c/work" });
    const pivot = indexOf(plan.ops, (op) => op.op === "pivot_root");
    const mounted = plan.ops.slice(overlayAt, pivot).flatMap((op) => (op.op === "mount-in-root" && op.source !== null && op.fstype !== null ? [op.target] : []));
    expect(mounted).toEqual(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"].filter((path) => path !== "/sys/fs/cgroup"));
    expect(plan.ops[indexOf(plan.ops, (op) => op.op === "open-root")]).toEqual({ op: "open-root", path: "/s/c/merged" });
  });

  test("mounts carry runc's flags and data", () => {
    expect(plan.ops.find((op) => op.op === "mount-in-root" && op.target === "/sys")).toMatchObject({ flags: ["MS_NOSUID", "MS_NOEXEC", "MS_NODEV", "MS_RDONLY"], data: null });
    expect(plan.ops.find((op) => op.op === "mount-in-root" && op.target === "/dev")).toMatchObject({ fstype: "tmpfs", data: "mode=755,size=65536k" });
  });

  test("devices, masks and read-only paths come after pivot_root, with the spec's owners", () => {
    const pivot = indexOf(plan.ops, (op) => op.op === "pivot_root");
    const firstNode = indexOf(plan.ops, (op) => op.op === "mknod");
    expect(firstNode).toBeGreaterThan(pivot);
    expect(plan.ops[firstNode]).toEqual({ op: "mknod", path: "/dev/null", type: "c", mode: "0666", major: 1, minor: 3, uid: 0, gid: 0 });
    expect(indexOf(plan.ops, (op) => op.op === "mask")).toBeGreaterThan(pivot);
    expect(plan.ops.find((op) => op.op === "mask")).toEqual({ op: "mask", path: "/proc/acpi", fileSource: "/dev/null", dirFstype: "tmpfs", dirFlags: ["MS_RDONLY"] });
  });

  test("ends with the process: keyring, umask, limits, user, capabilities, the command checked, start, fds, signals, execve", () => {
    expect(plan.ops.at(-1)).toEqual({
      op: "execve", file: "echo", searchPath: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      argv: ["echo", "hi"], env: spec().process.env,
    });
    expect(kinds(plan.ops).slice(-11)).toEqual([
      "session-keyring", "umask", "no-dump", "bounding", "user", "capabilities", "check-command", "wait-start", "close-fds", "unblock-signals", "execve",
    ]);
    expect(plan.ops).toContainEqual({ op: "session-keyring", name: "_ses.id" });
    expect(plan.ops.find((op) => op.op === "user")).toEqual({ op: "user", uid: 0, gid: 0, additionalGids: [0] });
    expect(plan.ops.find((op) => op.op === "capabilities")).toMatchObject({ inheritable: [], ambient: [] });
  });

  test("no stdin op: what the workload reads is the spawner's business, not the plan's", () => {
    expect(kinds(plan.ops)).not.toContain("redirect");
    expect(kinds(buildPlan(spec({ interactive: true }), layout).ops)).toEqual(kinds(plan.ops));
  });

  test("--read-only remounts / after the workdir is made; --network none brings lo up", () => {
    const ro = buildPlan(spec({ readOnly: true }), layout).ops;
    const remount = indexOf(ro, (op) => op.op === "mount" && op.target === "/" && op.flags.includes("MS_REMOUNT"));
    expect(remount).toBeGreaterThan(indexOf(ro, (op) => op.op === "mkdir" && op.path === "/work"));
    expect(buildPlan(spec({ network: "none" }), layout).ops).toContainEqual({ op: "link-up", interface: "lo" });
  });

  test("a root used as it is (a bundle's rootfs) is bound onto itself for pivot_root", () => {
    const ops = buildPlan(spec(), { id: "id", overlay: null, cgroup: null }).ops;
    expect(ops).toContainEqual({ op: "mount", source: "/rootfs", target: "/rootfs", fstype: null, flags: ["MS_BIND", "MS_REC"], data: null });
    expect(ops).toContainEqual({ op: "open-root", path: "/rootfs" });
    expect(kinds(ops)).not.toContain("mkpath-in-root overlay");
  });

  test("user, sysctl, rlimits, oomScoreAdj and noNewPrivileges from the spec", () => {
    const custom = spec();
    custom.process.user = { uid: 1000, gid: 100, umask: 0o077, additionalGids: [100, 27] };
    custom.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 2048 }];
    custom.process.noNewPrivileges = true;
    custom.process.oomScoreAdj = 500;
    custom.linux.sysctl = { "net.ipv4.ip_forward": "1" };
    const ops = buildPlan(custom, layout).ops;
    expect(ops).toContainEqual({ op: "user", uid: 1000, gid: 100, additionalGids: [100, 27] });
    expect(ops).toContainEqual({ op: "umask", mask: "0077" });
    expect(ops).toContainEqual({ op: "rlimit", resource: "RLIMIT_NOFILE", soft: 1024, hard: 2048 });
    expect(ops).toContainEqual({ op: "write-file", path: "/proc/self/oom_score_adj", content: "500" });
    expect(ops).toContainEqual({ op: "write-file", path: "/proc/sys/net/ipv4/ip_forward", content: "1" });
    const sysctl = indexOf(ops, (op) => op.op === "write-file" && op.path.startsWith("/proc/sys/"));
    expect(sysctl).toBeLessThan(indexOf(ops, (op) => op.op === "mount" && op.target === "/proc/sys"));
    expect(indexOf(ops, (op) => op.op === "no-new-privs")).toBeGreaterThan(indexOf(ops, (op) => op.op === "capabilities"));
  });

  test("a namespace with a path is joined, not made (the PID namespace by the spawner)", () => {
    const custom = spec();
    custom.linux.namespaces = custom.linux.namespaces.map((ns) => (ns.type === "ipc" || ns.type === "pid" ? { type: ns.type, path: `/proc/42/ns/${ns.type}` } : ns));
    const { ops, cloneFlags, pidNamespace } = buildPlan(custom, layout);
    expect(cloneFlags).not.toContain("CLONE_NEWIPC");
    expect(cloneFlags).not.toContain("CLONE_NEWPID");
    expect(ops[0]).toEqual({ op: "setns", path: "/proc/42/ns/ipc", type: "ipc" });
    expect(ops.some((op) => op.op === "setns" && op.type === "pid")).toBe(false);
    expect(pidNamespace).toBe("/proc/42/ns/pid");
    expect(buildPlan(spec(), layout).pidNamespace).toBeNull();
  });
});

describe("entering the root", () => {
  const bundleLayout: ContainerLayout = { id: "id", overlay: null, cgroup: null };
  const entry = (ops: Op[]) => ops.slice(indexOf(ops, (op) => op.op === "enter-root") + 1, indexOf(ops, (op) => op.op === "enter-root") + 4);

  test("--no-pivot moves the root onto / and chroots into it", () => {
    expect(entry(buildPlan(spec(), { ...bundleLayout, noPivot: true }).ops)).toEqual([
      { op: "mount", source: ".", target: "/", fstype: null, flags: ["MS_MOVE"], data: null },
      { op: "chroot", path: "." },
      { op: "chdir", path: "/" },
    ]);
    expect(kinds(buildPlan(spec(), { ...bundleLayout, noPivot: true }).ops)).not.toContain("pivot_root");
  });

  test("without a mount namespace: nothing changes the caller's / or binds the root; chroot", () => {
    const custom = spec();
    custom.linux.namespaces = custom.linux.namespaces.filter((ns) => ns.type !== "mount");
    const { ops, cloneFlags } = buildPlan(custom, bundleLayout);
    expect(cloneFlags).not.toContain("CLONE_NEWNS");
    expect(ops.some((op) => op.op === "mount" && op.target === "/")).toBe(false);
    expect(ops.some((op) => op.op === "mount" && op.flags.includes("MS_BIND") && op.target === "/rootfs")).toBe(false);
    expect(entry(ops)).toEqual([{ op: "chroot", path: "." }, { op: "chdir", path: "/" }, expect.anything()]);
  });

  test("a joined mount namespace is entered after every other joined one, then set up as a new one", () => {
    const custom = spec();
    custom.linux.namespaces = custom.linux.namespaces.map((ns) => (ns.type === "mount" || ns.type === "uts" ? { type: ns.type, path: `/proc/42/ns/${ns.type}` } : ns));
    const { ops, cloneFlags } = buildPlan(custom, bundleLayout);
    expect(cloneFlags).not.toContain("CLONE_NEWNS");
    expect(ops.slice(0, 2)).toEqual([{ op: "setns", path: "/proc/42/ns/uts", type: "uts" }, { op: "setns", path: "/proc/42/ns/mount", type: "mount" }]);
    expect(kinds(ops)).toContain("pivot_root");
  });

  test("--no-new-keyring: no session keyring of the container's own, for its init and its execs", () => {
    expect(kinds(buildPlan(spec(), { ...bundleLayout, sessionKeyring: false }).ops)).not.toContain("session-keyring");
    expect(buildPlan(spec(), bundleLayout).ops).toContainEqual({ op: "session-keyring", name: "_ses.id" });
    const exec = buildExecPlan(spec(), spec().process, { id: "id", pid: 42, cgroup: null, sessionKeyring: false });
    expect(kinds(exec.ops)).not.toContain("session-keyring");
  });

  test("exec into a container without a mount namespace takes its init's root", () => {
    const custom = spec();
    custom.linux.namespaces = custom.linux.namespaces.filter((ns) => ns.type !== "mount");
    const { ops } = buildExecPlan(custom, { ...custom.process, cwd: "/tmp" }, { id: "id", pid: 42, cgroup: null });
    expect(ops.slice(indexOf(ops, (op) => op.op === "chroot"), indexOf(ops, (op) => op.op === "chroot") + 2)).toEqual([{ op: "chroot", path: "/proc/42/root" }, { op: "chdir", path: "/tmp" }]);
  });
});

describe("spec-ordered mounts", () => {
  const mounts: RunOptions["mounts"] = [
    { type: "bind", source: "/h/deep", destination: "/data/sub/deep", readonly: false, createSource: true },
    { type: "bind", source: "/h/data", destination: "/data", readonly: true, createSource: true },
    { type: "bind", source: "/h/file", destination: "/etc/app.conf", readonly: false, createSource: true },
    { type: "tmpfs", destination: "/scratch", options: ["nosuid", "nodev", "mode=1777", "size=1m"] },
  ];
  const plan = buildPlan(spec({ mounts }), layout);
  const targets = (ops: Op[]) => ops.filter((op) => op.op === "mkpath-in-root").map((op) => (op.op === "mkpath-in-root" ? op.path : ""));

  test("run's flags are sorted parent-first into the spec, after minic's own mounts; the plan keeps that order", () => {
    expect(targets(plan.ops)).toEqual(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/data", "/scratch", "/etc/app.conf", "/data/sub/deep"].filter((path) => path !== "/sys/fs/cgroup"));
  });

  test("binds: the mount point's kind comes from the source; read-only by remount and mount_setattr", () => {
    const data = plan.ops.filter((op) => "target" in op && op.target === "/data" || "path" in op && op.path === "/data");
    expect(data).toEqual([
      { op: "mkpath-in-root", path: "/data", dirMode: "0755", fileMode: "0644", kindOf: "/h/data" },
      { op: "mount-in-root", source: "/h/data", target: "/data", fstype: null, flags: ["MS_BIND", "MS_REC"], data: null },
      { op: "mount-in-root", source: null, target: "/data", fstype: null, flags: ["MS_BIND", "MS_REMOUNT", "MS_RDONLY"], data: null },
      { op: "readonly-in-root", path: "/data" },
    ]);
    expect(plan.ops.find((op) => op.op === "mount-in-root" && op.target === "/scratch")).toEqual({
      op: "mount-in-root", source: "tmpfs", target: "/scratch", fstype: "tmpfs", flags: ["MS_NOSUID", "MS_NODEV"], data: "mode=1777,size=1m",
    });
  });

  test("a spec with host binds under /dev (as engines send) mounts them after /dev, inside the root", () => {
    const custom = spec();
    custom.mounts.push(
      { destination: "/dev/termination-log", type: "bind", source: "/var/lib/x/termination-log", options: ["rbind", "rprivate", "rw"] },
      { destination: "/dev/fuse", type: "bind", source: "/dev/fuse", options: ["bind", "nosuid", "noexec"] },
    );
    const ops = buildPlan(custom, layout).ops;
    const dev = indexOf(ops, (op) => op.op === "mount-in-root" && op.target === "/dev" && op.fstype === "tmpfs");
    const log = indexOf(ops, (op) => op.op === "mount-in-root" && op.target === "/dev/termination-log" && op.source !== null);
    const pivot = indexOf(ops, (op) => op.op === "pivot_root");
    expect(dev).toBeLessThan(log);
    expect(log).toBeLessThan(pivot);
    expect(ops).toContainEqual({ op: "mkpath-in-root", path: "/dev/termination-log", dirMode: "0755", fileMode: "0644", kindOf: "/var/lib/x/termination-log" });
    expect(ops).toContainEqual({ op: "mount-in-root", source: null, target: "/dev/termination-log", fstype: null, flags: ["MS_REC", "MS_PRIVATE"], data: null });
    expect(ops).toContainEqual({ op: "mount-in-root", source: "/dev/fuse", target: "/dev/fuse", fstype: null, flags: ["MS_BIND"], data: null });
    expect(ops).toContainEqual({ op: "mount-in-root", source: null, target: "/dev/fuse", fstype: null, flags: ["MS_BIND", "MS_REMOUNT", "MS_NOSUID", "MS_NOEXEC"], data: null });
  });
});

describe("cgroups in the plan", () => {
  const v1: ContainerCgroup = {
    version: 1,
    dirs: [
      { path: "/sys/fs/cgroup/memory/minic/id", root: "/sys/fs/cgroup/memory", view: "memory", controllers: ["memory"] },
      { path: "/sys/fs/cgroup/cpu,cpuacct/minic/id", root: "/sys/fs/cgroup/cpu,cpuacct", view: "cpu,cpuacct", controllers: ["cpu", "cpuacct"] },
    ],
  };
  const v2: ContainerCgroup = { version: 2, dirs: [{ path: "/sys/fs/cgroup/minic/id", root: "/sys/fs/cgroup", view: "", controllers: ["cpu", "memory", "pids"] }] };

  test("v1: join files and detached copies are held first; the view is built in spec order inside the root", () => {
    const { ops } = buildPlan(spec(), { id: "id", overlay, cgroup: v1 });
    expect(ops.filter((op) => op.op === "open-file" || op.op === "clone-tree")).toEqual([
      { op: "open-file", path: "/sys/fs/cgroup/memory/minic/id/tasks", flags: 1, slot: 0 },
      { op: "open-file", path: "/sys/fs/cgroup/cpu,cpuacct/minic/id/tasks", flags: 1, slot: 1 },
      { op: "clone-tree", path: "/sys/fs/cgroup/memory/minic/id", slot: 2, readonly: true },
      { op: "clone-tree", path: "/sys/fs/cgroup/cpu,cpuacct/minic/id", slot: 3, readonly: true },
    ]);
    const sys = indexOf(ops, (op) => op.op === "mount-in-root" && op.target === "/sys");
    const tmpfs = indexOf(ops, (op) => op.op === "mount-in-root" && op.target === "/sys/fs/cgroup" && op.fstype === "tmpfs");
    const readonly = indexOf(ops, (op) => op.op === "mount-in-root" && op.target === "/sys/fs/cgroup" && op.flags.includes("MS_REMOUNT"));
    expect(sys).toBeLessThan(tmpfs);
    expect(ops.slice(tmpfs + 1, readonly)).toEqual([
      { op: "mkpath-in-root", path: "/sys/fs/cgroup/memory", dirMode: "0555", fileMode: "0644", kindOf: null },
      { op: "attach-tree", slot: 2, target: "/sys/fs/cgroup/memory" },
      { op: "mkpath-in-root", path: "/sys/fs/cgroup/cpu,cpuacct", dirMode: "0555", fileMode: "0644", kindOf: null },
      { op: "attach-tree", slot: 3, target: "/sys/fs/cgroup/cpu,cpuacct" },
      { op: "symlink-in-root", target: "cpu,cpuacct", dir: "/sys/fs/cgroup", name: "cpu" },
      { op: "symlink-in-root", target: "cpu,cpuacct", dir: "/sys/fs/cgroup", name: "cpuacct" },
    ]);
    expect(indexOf(ops, (op) => op.op === "pivot_root")).toBeGreaterThan(readonly);
  });

  test("the workload joins last, then gets its cgroup namespace, then its user and capabilities", () => {
    const { ops } = buildPlan(spec(), { id: "id", overlay, cgroup: v1 });
    const joins = ops.filter((op) => op.op === "write-slot");
    expect(joins).toEqual([{ op: "write-slot", slot: 0, content: "0" }, { op: "write-slot", slot: 1, content: "0" }]);
    expect(indexOf(ops, (op) => op.op === "unshare")).toBeGreaterThan(ops.indexOf(joins[1] as Op));
    expect(indexOf(ops, (op) => op.op === "bounding")).toBeGreaterThan(indexOf(ops, (op) => op.op === "unshare"));
  });

  test("v2: cgroup.procs, and the container's directory is its whole /sys/fs/cgroup", () => {
    const { ops } = buildPlan(spec(), { id: "id", overlay, cgroup: v2 });
    expect(ops.filter((op) => op.op === "open-file")).toEqual([{ op: "open-file", path: "/sys/fs/cgroup/minic/id/cgroup.procs", flags: 1, slot: 0 }]);
    expect(ops.filter((op) => op.op === "attach-tree")).toEqual([{ op: "attach-tree", slot: 1, target: "/sys/fs/cgroup" }]);
  });
});

describe("exec plan", () => {
  const v1: ContainerCgroup = { version: 1, dirs: [{ path: "/sys/fs/cgroup/pids/minic/id", root: "/sys/fs/cgroup/pids", view: "pids", controllers: ["pids"] }] };
  const container = spec({ network: "none" });
  const processSpec = { ...container.process, args: ["ps"], cwd: "/tmp" };
  const { ops, cloneFlags, pidNamespace } = buildExecPlan(container, processSpec, { id: "id", pid: 42, cgroup: v1 });

  test("opens the cgroup's join file, then joins every namespace but pid, the mount namespace last", () => {
    expect(cloneFlags).toEqual([]);
    expect(pidNamespace).toBe("/proc/42/ns/pid");
    expect(ops.slice(0, 2)).toEqual([{ op: "wait-parent" }, { op: "open-file", path: "/sys/fs/cgroup/pids/minic/id/tasks", flags: 1, slot: 0 }]);
    const joined = ops.filter((op) => op.op === "setns").map((op) => (op.op === "setns" ? op.path : ""));
    expect(joined).toEqual(["/proc/42/ns/ipc", "/proc/42/ns/uts", "/proc/42/ns/cgroup", "/proc/42/ns/net", "/proc/42/ns/mnt"]);
  });

  test("then the cwd, the cgroup, and the same process ops as an init", () => {
    expect(ops).toContainEqual({ op: "chdir", path: "/tmp" });
    expect(ops).toContainEqual({ op: "write-slot", slot: 0, content: "0" });
    expect(kinds(ops).slice(-8)).toEqual(["bounding", "user", "capabilities", "check-command", "wait-start", "close-fds", "unblock-signals", "execve"]);
  });
});

describe("the op protocol is defined once, in native/protocol.h", () => {
  const header = readFileSync(join(import.meta.dir, "../../native/protocol.h"), "utf8");
  const parsed = parseProtocol(header);
  const OP_NAMES: Op["op"][] = [
    "mount", "mkdir", "mknod", "symlink", "chdir", "pivot_root", "chroot", "umount2", "sethostname", "wait-parent", "umask",
    "redirect", "link-up", "bounding", "capabilities", "user", "no-new-privs", "rlimit", "write-file", "close-fds",
    "mask", "open-root", "mkpath-in-root", "mount-in-root", "readonly-in-root", "terminal", "open-file", "write-slot",
    "clone-tree", "attach-tree", "attach-tree-at", "enter-root", "session-keyring", "seccomp", "setdomainname", "personality", "wait-hooks", "symlink-in-root", "unshare", "setns", "check-command", "wait-start", "unblock-signals", "execve", "fork-beside", "no-dump",
  ];

  test("every op of the vocabulary has a code, and every code an op", () => {
    const codes = Object.keys(parsed.constants).filter((name) => name.startsWith("OP_"));
    expect(OP_NAMES.map(opConstantName).sort()).toEqual(codes.sort());
    expect(new Set(codes.map((name) => parsed.constants[name])).size).toBe(codes.length);
  });

  test("the tables minic is built with are the header's", () => {
    expect(protocol()).toEqual(parsed);
  });

  test("the record layouts the C static asserts check are the ones the encoder uses", () => {
    expect(sizeOf("op")).toBe(88);
    expect(sizeOf("job")).toBe(192);
    expect(sizeOf("report", 4)).toBe(12);
    const source = readFileSync(join(import.meta.dir, "../../native/spawn.c"), "utf8");
    expect(source).toContain("sizeof(struct op) == 11 * 8");
    expect(source).toContain("sizeof(struct job) == 24 * 8");
  });

  test("encoding writes the header's codes at the header's offsets, strings and blobs pinned", () => {
    const encoded = encodePlan([
      { op: "chdir", path: "/" },
      { op: "user", uid: 1000, gid: 100, additionalGids: [100, 27] },
      { op: "execve", file: "sh", searchPath: "/bin", argv: ["sh"], env: [] },
    ]);
    const view = new DataView(encoded.table.buffer);
    expect(encoded.table.length).toBe(3 * 88);
    expect(view.getBigInt64(offsetOf("op", "code"), true)).toBe(BigInt(constant("OP_CHDIR")));
    expect(view.getBigInt64(88 + offsetOf("op", "code"), true)).toBe(BigInt(constant("OP_USER")));
    expect(view.getBigInt64(88 + offsetOf("op", "n1"), true)).toBe(1000n);
    expect(view.getBigInt64(88 + offsetOf("op", "data_len"), true)).toBe(8n);
    expect(view.getBigInt64(2 * 88 + offsetOf("op", "code"), true)).toBe(BigInt(constant("OP_EXECVE")));
    // The pointers lead to the strings, the argv array and the groups, in memory the plan pins.
    const word = (record: number, member: string) => Number(view.getBigUint64(record * 88 + offsetOf("op", member), true));
    expect(new CString(word(0, "s1") as Pointer).toString()).toBe("/");
    const argv = word(2, "s3") as Pointer;
    expect(new CString(read.ptr(argv, 0) as Pointer).toString()).toBe("sh");
    expect(read.ptr(argv, 8)).toBe(0);
    expect([read.u32(word(1, "data") as Pointer, 0), read.u32(word(1, "data") as Pointer, 4)]).toEqual([100, 27]);
    expect(encoded.pins.some((pin) => ptr(pin) === word(0, "s1"))).toBe(true);
    const job = encodeJob(encoded, {
      cloneFlags: ["CLONE_NEWPID"], shareMemory: false, pdeathsig: 0, reportFd: 5, syncFd: 6, startFd: -1, watchExit: false,
      stdio: [-1, -1, -1], pidNamespaceFd: -1, netNamespaceFd: -1, parentReportFd: 7, parentSyncFd: 8, notify: 0x7f0012345678, inherited: [{ fd: 9, slot: 0 }], preserveFds: 2, dumpable: false, terminalSocket: -1,
    });
    const jobView = new DataView(job.buffer);
    expect(jobView.getBigInt64(offsetOf("job", "nops"), true)).toBe(3n);
    expect(jobView.getBigInt64(offsetOf("job", "clone_flags"), true)).toBe(0x20000000n | 17n);
    expect(jobView.getBigInt64(offsetOf("job", "start_fd"), true)).toBe(-1n);
    expect(jobView.getBigInt64(offsetOf("job", "notify"), true)).toBe(0x7f0012345678n);
    expect(jobView.getBigInt64(offsetOf("job", "inherited_fd"), true)).toBe(9n);
    expect(jobView.getBigInt64(offsetOf("job", "inherited_slot"), true)).toBe(0n);
    expect(jobView.getBigInt64(offsetOf("job", "inherited_fd2"), true)).toBe(-1n);
    expect(jobView.getBigInt64(offsetOf("job", "preserve_fds"), true)).toBe(2n);
  });

  test("slots are bounded by the header's SLOTS", () => {
    expect(() => encodePlan([{ op: "write-slot", slot: constant("SLOTS"), content: "0" }])).toThrow(RangeError);
  });
});

describe("mount options and descriptions", () => {
  test("flags and data are split as runc does", () => {
    expect(parseMountOptions(["nosuid", "ro", "mode=755", "size=1m"])).toEqual({ flags: ["MS_NOSUID", "MS_RDONLY"], data: "mode=755,size=1m", recursive: false, propagation: [] });
    expect(parseMountOptions(["rbind", "ro", "rw", "rslave"])).toEqual({ flags: ["MS_BIND", "MS_REC"], data: null, recursive: true, propagation: ["MS_REC", "MS_SLAVE"] });
  });

  test("errors name the operation the way a user reads it", () => {
    expect(describeOp({ op: "mount", source: "proc", target: "/proc", fstype: "proc", flags: [], data: null })).toBe("mount proc on /proc");
    expect(describeOp({ op: "mount-in-root", source: "/h", target: "/d", fstype: null, flags: ["MS_BIND"], data: null })).toBe("bind mount /h on /d");
    expect(describeOp({ op: "user", uid: 1000, gid: 100, additionalGids: [100] })).toBe("switch to user 1000:100 (groups 100)");
    expect(describeOp({ op: "setns", path: "/proc/1/ns/net", type: "network" })).toBe("join the network namespace /proc/1/ns/net");
  });
});

describe("a user namespace in the plan", () => {
  const v1: ContainerCgroup = { version: 1, dirs: [{ path: "/sys/fs/cgroup/pids/minic/id", root: "/sys/fs/cgroup/pids", view: "pids", controllers: ["pids"] }] };
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const userSpec = (edit: (s: Spec) => void = () => {}): Spec => {
    const s = spec();
    s.linux.namespaces.push({ type: "user" });
    s.linux.uidMappings = map;
    s.linux.gidMappings = map;
    edit(s);
    return s;
  };

  test("the maps go to the spawner; minic's overlay is made idmapped on the host and attached in the child", () => {
    const plan = buildPlan(userSpec(), { id: "id", overlay, cgroup: v1 });
    expect(plan.ops[0]).toEqual({ op: "wait-parent" }); // the maps before anything
    expect(plan.cloneFlags).toContain("CLONE_NEWUSER");
    expect(plan.idMappings).toEqual({ uidMappings: map, gidMappings: map });
    expect(plan.idmappedRoot).toEqual({ lowerdir: "/rootfs", upperdir: overlay.upperdir, workdir: overlay.workdir, idMappings: { uidMappings: map, gidMappings: map } });
    expect(plan.ops).toContainEqual({ op: "attach-tree-at", slot: ROOT_TREE_SLOT, target: overlay.merged });
    expect(plan.ops.some((op) => op.op === "mount" && op.fstype === "overlay")).toBe(false);
    expect(ROOT_TREE_SLOT).toBe(constant("SLOTS") - 1);
  });

  test("the host's root opens the cgroup and the root; then the namespace's root does the rest", () => {
    const { ops } = buildPlan(userSpec(), { id: "id", overlay, cgroup: v1 });
    const becomeRoot = indexOf(ops, (op) => op.op === "user" && op.uid === 0 && op.additionalGids?.length === 0);
    expect(becomeRoot).toBeGreaterThan(indexOf(ops, (op) => op.op === "open-root"));
    expect(becomeRoot).toBeGreaterThan(indexOf(ops, (op) => op.op === "open-file"));
    expect(becomeRoot).toBeLessThan(indexOf(ops, (op) => op.op === "mount-in-root"));
    expect(ops).toContainEqual({ op: "enter-root" });
  });

  test("devices are the host's nodes bound inside the root, not mknod", () => {
    const { ops } = buildPlan(userSpec(), { id: "id", overlay, cgroup: null });
    expect(ops.some((op) => op.op === "mknod")).toBe(false);
    expect(ops).toContainEqual({ op: "mount-in-root", source: "/dev/null", target: "/dev/null", fstype: null, flags: ["MS_BIND"], data: null });
    expect(indexOf(ops, (op) => op.op === "mount-in-root" && op.source === "/dev/null")).toBeLessThan(indexOf(ops, (op) => op.op === "pivot_root"));
  });

  test("without a network namespace of its own, /sys is the host's, bound", () => {
    const { ops } = buildPlan(userSpec((s) => (s.linux.namespaces = s.linux.namespaces.filter((ns) => ns.type !== "network"))), { id: "id", overlay, cgroup: null });
    expect(ops.some((op) => op.op === "mount-in-root" && op.fstype === "sysfs")).toBe(false);
    expect(ops).toContainEqual({ op: "mount-in-root", source: "/sys", target: "/sys", fstype: null, flags: ["MS_BIND", "MS_REC"], data: null });
  });

  test("a joined user namespace comes first and owns what is made after it", () => {
    const joined = spec();
    joined.linux.namespaces = [{ type: "user", path: "/proc/9/ns/user" }, { type: "mount" }, { type: "uts" }];
    const plan = buildPlan(joined, { id: "id", overlay, cgroup: null });
    expect(plan.cloneFlags).toEqual([]);
    expect(plan.idMappings).toBeNull();
    expect(joinsUserNamespace(plan)).toBe(true);
    expect(plan.ops.slice(0, 2)).toEqual([
      { op: "setns", path: "/proc/9/ns/user", type: "user" },
      { op: "unshare", flags: ["CLONE_NEWNS", "CLONE_NEWUTS"] },
    ]);
  });

  test("a network namespace the host owns is joined before a joined user namespace, or born into with a new one", () => {
    const pod = spec();
    pod.linux.namespaces = [{ type: "user", path: "/proc/9/ns/user" }, { type: "network", path: "/run/netns/n" }, { type: "mount" }];
    const joined = buildPlan(pod, { id: "id", overlay, cgroup: null });
    expect(joined.netNamespace).toBeNull();
    expect(joined.ops.slice(0, 3)).toEqual([
      { op: "setns", path: "/run/netns/n", type: "network" },
      { op: "setns", path: "/proc/9/ns/user", type: "user" },
      { op: "unshare", flags: ["CLONE_NEWNS"] },
    ]);
    const made = userSpec((s) => s.linux.namespaces.push({ type: "network", path: "/run/netns/n" }));
    const born = buildPlan(made, { id: "id", overlay, cgroup: null });
    expect(born.netNamespace).toBe("/run/netns/n");
    // Its sysfs is the spawner's, made in that namespace, and attached: not the host's bound.
    expect(born.sysfsTree).toEqual({ readonly: true });
    expect(born.ops).toContainEqual({ op: "attach-tree", slot: SYSFS_TREE_SLOT, target: "/sys" });
    expect(born.ops.some((op) => op.op === "mount-in-root" && op.source === "/sys")).toBe(false);
    expect(born.cloneFlags).not.toContain("CLONE_NEWNET");
    expect(born.ops.filter((op) => op.op === "setns")).toEqual([]);
    // Without a user namespace the child joins it itself.
    const plain = spec();
    plain.linux.namespaces.push({ type: "network", path: "/run/netns/n" });
    expect(buildPlan(plain, { id: "id", overlay, cgroup: null }).netNamespace).toBeNull();
  });

  test("exec joins what the container joined by path, then its user namespace, then the rest", () => {
    const bridged = userSpec((s) => s.linux.namespaces.push({ type: "network", path: "/run/netns/n" }));
    const joined = buildExecPlan(bridged, { ...bridged.process, args: ["true"] }, { id: "id", pid: 42, cgroup: null }).ops.filter((op) => op.op === "setns").map((op) => op.type);
    expect(joined.slice(0, 2)).toEqual(["network", "user"]);
    expect(joined.at(-1)).toBe("mount");
  });

  test("exec joins the user namespace before every other", () => {
    const plan = buildExecPlan(userSpec(), { ...userSpec().process, args: ["true"] }, { id: "id", pid: 42, cgroup: null });
    const joined = plan.ops.filter((op) => op.op === "setns").map((op) => op.type);
    expect(joined[0]).toBe("user");
    expect(joined.at(-1)).toBe("mount");
    expect(joinsUserNamespace(plan)).toBe(true);
  });
});

describe("root propagation", () => {
  test("private and slave kinds at once; shared and unbindable only after pivot_root, which refuses them before", () => {
    const withPropagation = (value: Spec["linux"]["rootfsPropagation"]) => {
      const s = spec();
      s.linux.rootfsPropagation = value;
      return buildPlan(s, { id: "id", overlay, cgroup: null }).ops;
    };
    const slave = withPropagation("rslave");
    expect(slave[1]).toMatchObject({ op: "mount", target: "/", flags: ["MS_REC", "MS_SLAVE"] });
    expect(slave.filter((op) => op.op === "mount" && op.target === "/" && op.source === null && !op.flags.includes("MS_REMOUNT"))).toHaveLength(1);
    const shared = withPropagation("rshared");
    expect(shared[1]).toMatchObject({ op: "mount", target: "/", flags: ["MS_REC", "MS_SLAVE"] });
    const after = indexOf(shared, (op) => op.op === "mount" && op.target === "/" && op.flags.includes("MS_SHARED"));
    expect(after).toBeGreaterThan(indexOf(shared, (op) => op.op === "pivot_root"));
    expect(withPropagation("unbindable")).toContainEqual({ op: "mount", source: null, target: "/", fstype: null, flags: ["MS_UNBINDABLE"], data: null });
  });
});
