import { describe, expect, test } from "bun:test";
import { encodePlan, type Op } from "../../native/executor.ts";
import { buildSpec } from "../../src/spec/from-run-flags.ts";
import { describeOp } from "../../src/plan/describe.ts";
import { parseMountOptions } from "../../src/spec/mount-options.ts";
import type { RunOptions } from "../../src/spec/run-options.ts";
import { NO_LIMITS } from "../../src/spec/limits.ts";
import { buildPlan } from "../../src/plan/plan.ts";
import type { ContainerCgroup } from "../../src/cgroups/types.ts";

const options: RunOptions = {
  rootfs: "R", command: ["echo", "hi"], name: null, hostname: null, env: [], workdir: "/work",
  remove: false, readOnly: false, network: "host", interactive: false, tty: false, dryRun: false,
  mounts: [], limits: NO_LIMITS,
};
const layout = { upperdir: "/s/c/upper", workdir: "/s/c/work", merged: "/s/c/merged" };
const spec = (overrides: Partial<RunOptions> = {}) =>
  buildSpec({ ...options, ...overrides }, { id: "id", name: "n", rootfs: "/rootfs", home: "/root", callerEnv: {}, hostCpus: 2 });
const kinds = (ops: Op[]) => ops.map((op) => op.op);
const indexOf = (ops: Op[], match: (op: Op) => boolean) => ops.findIndex(match);

describe("buildPlan", () => {
  const plan = buildPlan(spec(), layout, { keepStdin: false });

  test("clone flags follow the namespaces", () => {
    expect(plan.cloneFlags).toEqual(["CLONE_NEWPID", "CLONE_NEWIPC", "CLONE_NEWUTS", "CLONE_NEWNS"]);
    expect(buildPlan(spec({ network: "none" }), layout, { keepStdin: false }).cloneFlags).toContain("CLONE_NEWNET");
  });

  test("starts safe: parent-death signal, wait for the parent, then make / private", () => {
    expect(kinds(plan.ops).slice(0, 4)).toEqual(["set-pdeathsig", "wait-parent", "umask", "mount"]);
    expect(plan.ops[3]).toMatchObject({ target: "/", flags: ["MS_REC", "MS_PRIVATE"] });
  });

  test("mounts the overlay and pivots into it before any container mount", () => {
    const overlay = indexOf(plan.ops, (op) => op.op === "mount" && op.fstype === "overlay");
    expect(plan.ops[overlay]).toMatchObject({
      target: "/s/c/merged",
      data: "lowerdir=/rootfs,upperdir=/s/c/upper,workdir=/s/c/work",
    });
    expect(kinds(plan.ops).slice(overlay, overlay + 5)).toEqual(["mount", "chdir", "pivot_root", "umount2", "chdir"]);
    const proc = indexOf(plan.ops, (op) => op.op === "mount" && op.fstype === "proc");
    expect(proc).toBeGreaterThan(overlay + 4);
  });

  test("mounts carry runc's flags and data", () => {
    const sys = plan.ops.find((op) => op.op === "mount" && op.fstype === "sysfs");
    expect(sys).toMatchObject({ target: "/sys", flags: ["MS_NOSUID", "MS_NOEXEC", "MS_NODEV", "MS_RDONLY"], data: null });
    const dev = plan.ops.find((op) => op.op === "mount" && op.target === "/dev");
    expect(dev).toMatchObject({ fstype: "tmpfs", data: "mode=755,size=65536k" });
  });

  test("devices come after /dev is mounted; masks and read-only paths after /proc", () => {
    const devMount = indexOf(plan.ops, (op) => op.op === "mount" && op.target === "/dev");
    const firstNode = indexOf(plan.ops, (op) => op.op === "mknod");
    expect(firstNode).toBeGreaterThan(devMount);
    expect(plan.ops[firstNode]).toEqual({ op: "mknod", path: "/dev/null", type: "char", mode: "0666", major: 1, minor: 3 });
    const firstMask = indexOf(plan.ops, (op) => op.op === "mask");
    expect(firstMask).toBeGreaterThan(indexOf(plan.ops, (op) => op.op === "mount" && op.fstype === "proc"));
  });

  test("ends: workdir, stdin, umask, cgroup namespace, capabilities, signals, fds, execve", () => {
    expect(plan.ops.at(-1)).toEqual({
      op: "execve", file: "echo", searchPath: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      argv: ["echo", "hi"], env: spec().process.env,
    });
    expect(kinds(plan.ops).slice(-9)).toEqual([
      "mkdir", "chdir", "redirect", "umask", "unshare", "capabilities", "reset-signals", "close-fds", "execve",
    ]);
    expect(plan.ops.at(-5)).toEqual({ op: "unshare", flags: ["CLONE_NEWCGROUP"] });
  });

  test("-i keeps stdin; --read-only remounts / before the final chdir", () => {
    expect(kinds(buildPlan(spec(), layout, { keepStdin: true }).ops)).not.toContain("redirect");
    const ro = buildPlan(spec({ readOnly: true }), layout, { keepStdin: false }).ops;
    const remount = indexOf(ro, (op) => op.op === "mount" && op.target === "/" && op.flags.includes("MS_REMOUNT"));
    expect(remount).toBeGreaterThan(indexOf(ro, (op) => op.op === "mkdir" && op.path === "/work"));
  });

  test("--network none brings lo up", () => {
    expect(buildPlan(spec({ network: "none" }), layout, { keepStdin: false }).ops).toContainEqual({ op: "link-up", interface: "lo" });
  });
});

describe("mount options", () => {
  test("flags and data are split as runc does", () => {
    expect(parseMountOptions(["nosuid", "ro", "mode=755", "size=1m"])).toEqual({ flags: ["MS_NOSUID", "MS_RDONLY"], data: "mode=755,size=1m", recursive: false });
    expect(parseMountOptions(["rbind", "ro", "rw"])).toEqual({ flags: ["MS_BIND", "MS_REC"], data: null, recursive: true });
  });
});

describe("encoding and descriptions", () => {
  test("each op is one 64-byte record, strings pinned", () => {
    const encoded = encodePlan([{ op: "chdir", path: "/" }, { op: "execve", file: "sh", searchPath: "/bin", argv: ["sh"], env: [] }]);
    expect(encoded.count).toBe(2);
    expect(encoded.table.length).toBe(128);
    const view = new DataView(encoded.table.buffer);
    expect(view.getBigInt64(0, true)).toBe(5n); // OP_CHDIR
    expect(view.getBigInt64(64, true)).toBe(17n); // OP_EXECVE
    expect(encoded.pins.length).toBeGreaterThanOrEqual(5);
  });

  test("errors name the operation the way a user reads it", () => {
    expect(describeOp({ op: "mount", source: "proc", target: "/proc", fstype: "proc", flags: [], data: null })).toBe("mount proc on /proc");
    expect(describeOp({ op: "mkdir", path: "/dev/pts", mode: "0755" })).toBe("mkdir /dev/pts");
    expect(describeOp({ op: "mount", source: null, target: "/", fstype: null, flags: ["MS_REMOUNT", "MS_BIND", "MS_RDONLY"], data: null })).toBe("remount / read-only");
  });
});

describe("user mounts", () => {
  const mounts: RunOptions["mounts"] = [
    { type: "bind", source: "/h/deep", destination: "/data/sub/deep", readonly: false, createSource: true },
    { type: "bind", source: "/h/data", destination: "/data", readonly: true, createSource: true },
    { type: "bind", source: "/h/file", destination: "/etc/app.conf", readonly: false, createSource: true },
    { type: "tmpfs", destination: "/scratch", options: ["nosuid", "nodev", "mode=1777", "size=1m"] },
  ];
  const plan = buildPlan(spec({ mounts }), layout, { keepStdin: false, bindSourceKinds: new Map([["/h/file", "file"]]) });
  const at = (match: (op: Op) => boolean) => indexOf(plan.ops, match);

  test("come after the overlay and before pivot_root, /proc and /dev", () => {
    const overlay = at((op) => op.op === "mount" && op.fstype === "overlay");
    const openRoot = at((op) => op.op === "open-root");
    const firstUser = at((op) => op.op === "mount-in-root");
    const pivot = at((op) => op.op === "pivot_root");
    const proc = at((op) => op.op === "mount" && op.target === "/proc");
    expect(overlay).toBeLessThan(openRoot);
    expect(openRoot).toBeLessThan(firstUser);
    expect(plan.ops[openRoot]).toEqual({ op: "open-root", path: "/s/c/merged" });
    const lastUser = plan.ops.map((op) => op.op).lastIndexOf("mount-in-root");
    expect(lastUser).toBeLessThan(pivot);
    expect(pivot).toBeLessThan(proc);
  });

  test("are sorted parent-first, each destination made before it is mounted", () => {
    const userOps = plan.ops.filter((op) => op.op.endsWith("-in-root"));
    expect(userOps.map((op) => `${op.op} ${"path" in op ? op.path : "target" in op ? op.target : ""}`)).toEqual([
      "mkpath-in-root /data",
      "mount-in-root /data",
      "readonly-in-root /data",
      "mkpath-in-root /scratch",
      "mount-in-root /scratch",
      "mkpath-in-root /etc/app.conf",
      "mount-in-root /etc/app.conf",
      "mkpath-in-root /data/sub/deep",
      "mount-in-root /data/sub/deep",
    ]);
  });

  test("binds are recursive; read-only comes from mount_setattr, not the bind; files get a file", () => {
    const bind = plan.ops.find((op) => op.op === "mount-in-root" && op.target === "/data");
    expect(bind).toEqual({ op: "mount-in-root", source: "/h/data", target: "/data", fstype: null, flags: ["MS_BIND", "MS_REC"], data: null });
    expect(plan.ops.find((op) => op.op === "mkpath-in-root" && op.path === "/etc/app.conf")).toMatchObject({ lastIsFile: true });
    expect(plan.ops.find((op) => op.op === "mkpath-in-root" && op.path === "/data")).toMatchObject({ lastIsFile: false });
    const tmpfs = plan.ops.find((op) => op.op === "mount-in-root" && op.target === "/scratch");
    expect(tmpfs).toEqual({ op: "mount-in-root", source: "tmpfs", target: "/scratch", fstype: "tmpfs", flags: ["MS_NOSUID", "MS_NODEV"], data: "mode=1777,size=1m" });
  });

  test("no user mounts, no open-root", () => {
    expect(buildPlan(spec(), layout, { keepStdin: false }).ops.some((op) => op.op === "open-root")).toBe(false);
  });

  test("encode and describe", () => {
    expect(encodePlan(plan.ops).count).toBe(plan.ops.length);
    expect(describeOp({ op: "mount-in-root", source: "/h", target: "/d", fstype: null, flags: ["MS_BIND"], data: null })).toBe("bind mount /h on /d");
    expect(describeOp({ op: "mkpath-in-root", path: "/d", mode: "0755", lastIsFile: false })).toBe("create /d in the container");
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
  const v2: ContainerCgroup = {
    version: 2,
    dirs: [{ path: "/sys/fs/cgroup/minic/id", root: "/sys/fs/cgroup", view: "", controllers: ["cpu", "memory", "pids"] }],
  };
  const at = (ops: Op[], match: (op: Op) => boolean) => {
    const index = ops.findIndex(match);
    expect(index).toBeGreaterThanOrEqual(0);
    return index;
  };

  test("v1: join files and detached copies are taken before pivot_root, attached after /sys", () => {
    const { ops, cloneFlags } = buildPlan(spec(), layout, { keepStdin: false, cgroup: v1 });
    expect(cloneFlags).not.toContain("CLONE_NEWCGROUP");
    const pivot = at(ops, (op) => op.op === "pivot_root");
    const held = ops.filter((op) => op.op === "open-cgroup" || op.op === "clone-tree");
    expect(held).toEqual([
      { op: "open-cgroup", path: "/sys/fs/cgroup/memory/minic/id/tasks", slot: 0 },
      { op: "open-cgroup", path: "/sys/fs/cgroup/cpu,cpuacct/minic/id/tasks", slot: 1 },
      { op: "clone-tree", path: "/sys/fs/cgroup/memory/minic/id", slot: 2, readonly: true },
      { op: "clone-tree", path: "/sys/fs/cgroup/cpu,cpuacct/minic/id", slot: 3, readonly: true },
    ]);
    for (const op of held) expect(ops.indexOf(op)).toBeLessThan(pivot);

    const sys = at(ops, (op) => op.op === "mount" && op.target === "/sys");
    const tmpfs = at(ops, (op) => op.op === "mount" && op.target === "/sys/fs/cgroup" && op.fstype === "tmpfs");
    const readonly = at(ops, (op) => op.op === "mount" && op.target === "/sys/fs/cgroup" && op.flags.includes("MS_REMOUNT"));
    expect(sys).toBeLessThan(tmpfs);
    expect(ops.slice(tmpfs + 1, readonly)).toEqual([
      { op: "mkdir", path: "/sys/fs/cgroup/memory", mode: "0555" },
      { op: "attach-tree", slot: 2, target: "/sys/fs/cgroup/memory" },
      { op: "mkdir", path: "/sys/fs/cgroup/cpu,cpuacct", mode: "0555" },
      { op: "attach-tree", slot: 3, target: "/sys/fs/cgroup/cpu,cpuacct" },
      { op: "symlink", target: "cpu,cpuacct", path: "/sys/fs/cgroup/cpu" },
      { op: "symlink", target: "cpu,cpuacct", path: "/sys/fs/cgroup/cpuacct" },
    ]);
    expect(ops[readonly]).toMatchObject({ flags: expect.arrayContaining(["MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC"]) });
  });

  test("the workload joins last, then gets its cgroup namespace, then loses the capability to", () => {
    const { ops } = buildPlan(spec(), layout, { keepStdin: false, cgroup: v1 });
    expect(kinds(ops).slice(-8)).toEqual([
      "umask", "join-cgroup", "join-cgroup", "unshare", "capabilities", "reset-signals", "close-fds", "execve",
    ]);
    expect(ops.filter((op) => op.op === "join-cgroup")).toEqual([
      { op: "join-cgroup", slot: 0 },
      { op: "join-cgroup", slot: 1 },
    ]);
  });

  test("v2: cgroup.procs, and the container's directory is its whole /sys/fs/cgroup", () => {
    const { ops } = buildPlan(spec(), layout, { keepStdin: false, cgroup: v2 });
    expect(ops.filter((op) => op.op === "open-cgroup")).toEqual([{ op: "open-cgroup", path: "/sys/fs/cgroup/minic/id/cgroup.procs", slot: 0 }]);
    expect(ops.filter((op) => op.op === "attach-tree")).toEqual([{ op: "attach-tree", slot: 1, target: "/sys/fs/cgroup" }]);
    expect(ops.some((op) => op.op === "mount" && op.target === "/sys/fs/cgroup")).toBe(false);
  });

  test("no cgroup: no cgroup ops, still a cgroup namespace", () => {
    const { ops } = buildPlan(spec(), layout, { keepStdin: false, cgroup: null });
    expect(kinds(ops).filter((kind) => kind.includes("cgroup") || kind.includes("tree"))).toEqual([]);
    expect(kinds(ops)).toContain("unshare");
  });

  test("encode and describe", () => {
    const { ops } = buildPlan(spec(), layout, { keepStdin: false, cgroup: v1 });
    expect(encodePlan(ops).count).toBe(ops.length);
    expect(() => encodePlan([{ op: "join-cgroup", slot: 16 }])).toThrow(RangeError);
    expect(describeOp({ op: "join-cgroup", slot: 0 })).toBe("join the container's cgroup");
    expect(describeOp({ op: "unshare", flags: ["CLONE_NEWCGROUP"] })).toBe("create namespaces (CLONE_NEWCGROUP)");
    expect(describeOp({ op: "attach-tree", slot: 2, target: "/sys/fs/cgroup/memory" })).toBe("mount the container's cgroup on /sys/fs/cgroup/memory");
  });
});
