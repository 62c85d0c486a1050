import { describe, expect, test } from "bun:test";
import { parseRunArgs } from "../../src/cli/run.ts";
import { MinicError } from "../../src/errors.ts";
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from "../../src/spec/mount-flags.ts";

const rejects = (parse: () => unknown, message: RegExp) => {
  expect(parse).toThrow(MinicError);
  expect(parse).toThrow(message);
};

describe("-v HOST:CTR[:OPTS]", () => {
  test("rw by default, ro on request, paths cleaned", () => {
    expect(parseVolumeFlag("/srv/data:/data")).toEqual({ type: "bind", source: "/srv/data", destination: "/data", readonly: false, createSource: true });
    expect(parseVolumeFlag("/srv//data/:/data/./x/:ro")).toMatchObject({ source: "/srv/data/", destination: "/data/x", readonly: true });
    expect(parseVolumeFlag("/a:/b:rw")).toMatchObject({ readonly: false });
  });

  test("relative paths, empty parts, unknown or conflicting options", () => {
    rejects(() => parseVolumeFlag("data:/data"), /host path "data" must be absolute/);
    rejects(() => parseVolumeFlag("/data:data"), /container path "data" must be absolute/);
    rejects(() => parseVolumeFlag(":/data"), /empty part/);
    rejects(() => parseVolumeFlag("/data:"), /empty part/);
    rejects(() => parseVolumeFlag("/a:/b:"), /empty part/);
    rejects(() => parseVolumeFlag("/data"), /expected HOST:CONTAINER/);
    rejects(() => parseVolumeFlag("/a:/b:ro:rw"), /expected HOST:CONTAINER/);
    rejects(() => parseVolumeFlag("/a:/b:ro,rw"), /both ro and rw/);
    rejects(() => parseVolumeFlag("/a:/b:z"), /unknown option "z"/);
  });

  test("the root and the API filesystems are not destinations", () => {
    rejects(() => parseVolumeFlag("/a:/"), /cannot mount over the container's root/);
    rejects(() => parseVolumeFlag("/a:/data/.."), /cannot mount over the container's root/);
    rejects(() => parseVolumeFlag("/a:/proc"), /\/proc is inside \/proc/);
    rejects(() => parseVolumeFlag("/a:/sys/kernel"), /inside \/sys/);
    rejects(() => parseVolumeFlag("/a:/x/../dev/shm"), /\/dev\/shm is inside \/dev/);
    expect(parseVolumeFlag("/a:/proc2").destination).toBe("/proc2");
  });
});

describe("--tmpfs PATH[:OPTS]", () => {
  test("Docker-like defaults, options override them", () => {
    expect(parseTmpfsFlag("/scratch")).toEqual({ type: "tmpfs", destination: "/scratch", options: ["nosuid", "nodev", "mode=1777"] });
    expect(parseTmpfsFlag("/run:size=64m,mode=0755,noexec")).toMatchObject({ options: ["nosuid", "nodev", "size=64m", "mode=0755", "noexec"] });
  });

  test("unknown options and bad values", () => {
    rejects(() => parseTmpfsFlag("/x:bogus"), /unknown tmpfs option "bogus"/);
    rejects(() => parseTmpfsFlag("/x:color=red"), /unknown tmpfs option "color"/);
    rejects(() => parseTmpfsFlag("/x:size=lots"), /bad value for size/);
    rejects(() => parseTmpfsFlag("/x:mode=999"), /bad value for mode/);
    rejects(() => parseTmpfsFlag("x"), /must be absolute/);
    rejects(() => parseTmpfsFlag("/x:"), /empty part/);
  });
});

describe("--mount", () => {
  test("bind and tmpfs in the long form", () => {
    expect(parseMountFlag("type=bind,source=/s,target=/t,readonly")).toEqual({ type: "bind", source: "/s", destination: "/t", readonly: true, createSource: false });
    expect(parseMountFlag("type=bind,src=/s,dst=/t,ro=false")).toMatchObject({ readonly: false });
    expect(parseMountFlag("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700")).toEqual({
      type: "tmpfs", destination: "/t", options: ["nosuid", "nodev", "size=1m", "mode=700"],
    });
  });

  test("missing or unknown fields and types", () => {
    rejects(() => parseMountFlag("type=bind,target=/t"), /source is required/);
    rejects(() => parseMountFlag("type=bind,source=/s"), /target is required/);
    rejects(() => parseMountFlag("source=/s,target=/t"), /type is required/);
    rejects(() => parseMountFlag("type=volume,source=v,target=/t"), /type=volume is not supported/);
    rejects(() => parseMountFlag("type=bind,source=/s,target=/t,color=red"), /unknown field "color"/);
    rejects(() => parseMountFlag("type=bind,source=/s,target=/t,readonly=maybe"), /readonly takes true or false/);
    rejects(() => parseMountFlag("type=tmpfs,source=/s,target=/t"), /takes no source/);
    rejects(() => parseMountFlag("type=bind,source=/s,source=/u,target=/t"), /given twice/);
  });
});

describe("run flags", () => {
  test("-v, --mount and --tmpfs are repeatable and collected in order", () => {
    const { options } = parseRunArgs(["-v", "/a:/a", "--tmpfs", "/t", "--mount", "type=bind,source=/b,target=/b", "-v", "/c:/c:ro", "true"]);
    expect(options.mounts.map((mount) => mount.destination)).toEqual(["/a", "/c", "/b", "/t"]);
  });

  test("two mounts on one destination are refused", () => {
    rejects(() => parseRunArgs(["-v", "/a:/data", "--tmpfs", "/data/", "true"]), /duplicate mount point: \/data/);
  });
});
