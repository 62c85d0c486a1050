import { describe, expect, test } from "bun:test";
import { encodePlan } from "../../src/plan/encode.ts";
import { buildExecPlan, buildPlan, buildUserNamespacePlan, deniesSetgroups } from "../../src/plan/plan.ts";
import { buildSpec } from "../../src/spec/from-run-flags.ts";
import { rootlessMappings, subordinateRange, subordinateRanges } from "../../src/spec/id-maps.ts";
import { runOptions, specContext } from "../support/options.ts";

const OWN_AND_RANGE = { uidMappings: rootlessMappings(1000, [{ start: 100000, count: 65536 }]), gidMappings: rootlessMappings(1000, [{ start: 100000, count: 65536 }]) };
const OWN_ONLY = { uidMappings: rootlessMappings(1000, []), gidMappings: rootlessMappings(1000, []) };
const overlay = { upperdir: "/s/upper", workdir: "/s/work", merged: "/s/merged" };

describe("a rootless user's ids", () => {
  test("the lines of /etc/subuid naming the user, by name or uid", () => {
    const file = "other:200000:65536\n1000:300000:1000\nalice:100000:65536\nbroken:x:1\n";
    expect(subordinateRange(file, "alice", 1001)).toEqual({ start: 100000, count: 65536 });
    expect(subordinateRange(file, "bob", 1000)).toEqual({ start: 300000, count: 1000 });
    expect(subordinateRange(file, "broken", 5)).toBeNull();
    expect(subordinateRange("", "alice", 1001)).toBeNull();
    // All of them for the user's own map, as newuidmap allows and podman maps, one after another.
    const two = "alice:100000:65536\nother:1:2\n1001:300000:1000\n";
    expect(subordinateRanges(two, "alice", 1001)).toEqual([{ start: 100000, count: 65536 }, { start: 300000, count: 1000 }]);
    expect(rootlessMappings(1001, subordinateRanges(two, "alice", 1001))).toEqual([
      { containerID: 0, hostID: 1001, size: 1 },
      { containerID: 1, hostID: 100000, size: 65536 },
      { containerID: 65537, hostID: 300000, size: 1000 },
    ]);
  });

  test("root inside is the user; 1 and up the range; with no range, the user alone, and setgroups denied", () => {
    expect(OWN_AND_RANGE.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }]);
    expect(OWN_ONLY.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(deniesSetgroups(OWN_ONLY, 1000)).toBe(true);
    expect(deniesSetgroups(OWN_AND_RANGE, 1000)).toBe(false);
    // One subordinate gid alone is newgidmap's to write: setgroups stays.
    expect(deniesSetgroups({ uidMappings: OWN_ONLY.uidMappings, gidMappings: [{ containerID: 0, hostID: 100000, size: 1 }] }, 1000)).toBe(false);
    // Root writes any map itself: setgroups stays.
    expect(deniesSetgroups(OWN_ONLY, null)).toBe(false);
  });
});

describe("a rootless container's plan", () => {
  const spec = () => buildSpec(runOptions({ network: "slirp4netns" }), specContext({ rootless: OWN_ONLY }));

  test("its own user and network namespaces; the overlay mounted inside with userxattr, not idmapped on the host", () => {
    const made = spec();
    expect(made.linux.namespaces.filter((ns) => ns.type === "user" || ns.type === "network")).toEqual([{ type: "network" }, { type: "user" }]);
    expect(made.linux.uidMappings).toEqual(OWN_ONLY.uidMappings);
    const plan = buildPlan(made, { id: "id", overlay, cgroup: null, rootless: true, setgroupsDenied: true });
    expect(plan.idmappedRoot).toBeNull();
    expect(plan.ops).toContainEqual({ op: "mount", source: "overlay", target: overlay.merged, fstype: "overlay", flags: [], data: "lowerdir=/rootfs,upperdir=/s/upper,workdir=/s/work,userxattr" });
    // With setgroups denied, the groups stay as they are: both user ops say so.
    expect(plan.ops.filter((op) => op.op === "user").map((op) => op.op === "user" && op.additionalGids)).toEqual([null, null]);
    // devpts's gid=5 is no group of this namespace.
    expect(made.mounts.find((mount) => mount.type === "devpts")?.options).not.toContain("gid=5");
  });

  test("exec joins the user namespace, then the PID namespace, and goes on in a copy born there", () => {
    const plan = buildExecPlan(spec(), { ...spec().process, args: ["true"] }, { id: "id", pid: 42, cgroup: null, rootless: true, setgroupsDenied: true });
    expect(plan.pidNamespace).toBeNull();
    const kinds = plan.ops.map((op) => (op.op === "setns" ? `setns ${op.type}` : op.op));
    expect(kinds.slice(0, 3)).toEqual(["wait-parent", "setns user", "setns pid"]);
    expect(kinds.indexOf("fork-beside")).toBe(kinds.indexOf("setns mount") + 1);
    expect(() => encodePlan(plan.ops)).not.toThrow();
  });

  test("a layer's files go as the container's root: rm -rf in a user namespace of the same maps", () => {
    const plan = buildUserNamespacePlan(OWN_AND_RANGE, ["rm", "-rf", "--", "/s"]);
    expect(plan.cloneFlags).toEqual(["CLONE_NEWUSER"]);
    expect(plan.idMappings).toEqual(OWN_AND_RANGE);
    expect(plan.ops.at(-1)).toMatchObject({ op: "execve", file: "rm", argv: ["rm", "-rf", "--", "/s"] });
  });
});
