import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinicError } from "../../src/errors.ts";
import { BLOCK_SIZE, createRecordFiles, RECORD_FILE, SPARE_FILE, writeRecordFile } from "../../src/state/atomic-file.ts";
import { parseRecord, type ContainerRecord, type RecordRead } from "../../src/state/record.ts";

const ID = "0123456789abcdef".repeat(4);

function v2Record(): ContainerRecord {
  return {
    schemaVersion: 2,
    id: ID,
    name: "brave_curie_1a2b",
    command: ["sh", "-c", "sleep 1"],
    rootfs: "/var/lib/rootfs",
    bundle: "/srv/bundle",
    created: "2026-11-24T08:49:32.000Z",
    status: "running",
    process: { pid: 1234, startTime: "987654" },
    owner: { pid: 1200, startTime: "987600" },
    exitCode: null,
    finished: null, started: null,
    autoRemove: false,
    cgroup: {
      version: 1,
      dirs: [{ path: `/sys/fs/cgroup/memory/minic/${ID}`, root: "/sys/fs/cgroup/memory", view: "memory", controllers: ["memory"] }],
    },
    sessionKeyring: true,
    hostMounts: null,
    restartCount: 0,
    manuallyStopped: false,
    restarting: false,
    oomKilled: false,
  };
}

/** The record as JSON, with `change` applied to a plain copy (fields may be removed or mistyped). */
function text(change: (record: Record<string, unknown>) => void = () => {}): string {
  const record: Record<string, unknown> = JSON.parse(JSON.stringify(v2Record()));
  change(record);
  return JSON.stringify(record, null, 2);
}

function reason(read: RecordRead): string {
  return read.kind === "damaged" ? read.reason : "(read as a record)";
}

describe("parseRecord", () => {
  test("a version 2 record reads back as written, padding and all", () => {
    expect(parseRecord(ID, text())).toEqual({ kind: "ok", record: v2Record() });
    expect(parseRecord(ID, `${text()}\n${" ".repeat(3000)}`)).toEqual({ kind: "ok", record: v2Record() });
  });

  test("fields it does not know are dropped", () => {
    const read = parseRecord(ID, text((record) => (record.extra = 1)));
    expect(read).toEqual({ kind: "ok", record: v2Record() });
  });

  test("a version 1 record is upgraded: exited becomes stopped, no bundle", () => {
    const v1 = text((record) => {
      delete record.schemaVersion;
      delete record.bundle;
      record.status = "exited";
      record.exitCode = 137;
      record.finished = "2026-11-24T09:00:00.000Z";
      record.owner = null;
    });
    const read = parseRecord(ID, v1);
    expect(read).toEqual({
      kind: "ok",
      record: { ...v2Record(), bundle: null, status: "stopped", exitCode: 137, finished: "2026-11-24T09:00:00.000Z", owner: null },
    });
  });

  test("a version 1 record from before cgroup limits has no cgroup", () => {
    const v1 = text((record) => {
      delete record.schemaVersion;
      delete record.bundle;
      delete record.cgroup;
      record.status = "created";
    });
    const read = parseRecord(ID, v1);
    expect(read.kind === "ok" && read.record).toMatchObject({ schemaVersion: 2, status: "created", cgroup: null, bundle: null });
  });

  test("version 1 statuses are the old ones", () => {
    const v1 = text((record) => {
      delete record.schemaVersion;
      record.status = "stopped";
    });
    expect(reason(parseRecord(ID, v1))).toBe('state.json: field "status" is "stopped", expected one of created, running, exited');
    const inherited = text((record) => {
      delete record.schemaVersion;
      record.status = "toString";
    });
    expect(reason(parseRecord(ID, inherited))).toBe('state.json: field "status" is "toString", expected one of created, running, exited');
  });

  test("empty and truncated files", () => {
    expect(reason(parseRecord(ID, ""))).toBe("state.json is empty");
    expect(reason(parseRecord(ID, " ".repeat(BLOCK_SIZE)))).toBe("state.json is empty");
    expect(reason(parseRecord(ID, text().slice(0, 100)))).toMatch(/^state\.json is not valid JSON \(.+\)$/);
  });

  test("no prefix of a record is a record, and none throws", () => {
    const whole = text();
    for (let end = 0; end < whole.length; end++) {
      // The last "}" alone is what a truncation at the very end would lose.
      expect(parseRecord(ID, whole.slice(0, end)).kind).toBe("damaged");
    }
  });

  test("something other than an object", () => {
    expect(reason(parseRecord(ID, "[1, 2]"))).toBe("state.json holds an array, expected an object");
    expect(reason(parseRecord(ID, "null"))).toBe("state.json holds null, expected an object");
    expect(reason(parseRecord(ID, '"x"'))).toBe("state.json holds a string, expected an object");
  });

  test("missing fields and wrong types", () => {
    expect(reason(parseRecord(ID, text((record) => delete record.status)))).toBe('state.json has no field "status"');
    expect(reason(parseRecord(ID, text((record) => delete record.bundle)))).toBe('state.json has no field "bundle"');
    expect(reason(parseRecord(ID, text((record) => delete record.cgroup)))).toBe('state.json has no field "cgroup"');
    expect(reason(parseRecord(ID, text((record) => (record.process = { pid: "1234", startTime: "1" }))))).toBe(
      'state.json: field "process.pid" is a string, expected a number',
    );
    expect(reason(parseRecord(ID, text((record) => (record.owner = { pid: 12 }))))).toBe('state.json has no field "owner.startTime"');
    expect(reason(parseRecord(ID, text((record) => (record.process = { pid: -1, startTime: "1" }))))).toBe(
      'state.json: field "process.pid" is -1, expected a process id',
    );
    expect(reason(parseRecord(ID, text((record) => (record.command = ["sh", 1]))))).toBe(
      'state.json: field "command[1]" is a number, expected a string',
    );
    expect(reason(parseRecord(ID, text((record) => (record.autoRemove = "no"))))).toBe(
      'state.json: field "autoRemove" is a string, expected a boolean',
    );
    expect(reason(parseRecord(ID, text((record) => (record.exitCode = 1.5))))).toBe(
      'state.json: field "exitCode" is a number, expected an integer or null',
    );
    expect(reason(parseRecord(ID, text((record) => (record.created = "yesterday"))))).toBe(
      'state.json: field "created" is "yesterday", expected a time',
    );
    expect(reason(parseRecord(ID, text((record) => (record.name = ""))))).toBe('state.json: field "name" is empty');
  });

  test("an unknown status", () => {
    expect(reason(parseRecord(ID, text((record) => (record.status = "paused"))))).toBe(
      'state.json: field "status" is "paused", expected one of creating, created, running, stopped',
    );
    expect(reason(parseRecord(ID, text((record) => (record.status = `x\n${"y".repeat(100)}`))))).toBe(
      `state.json: field "status" is "x\\n${"y".repeat(38)}…", expected one of creating, created, running, stopped`,
    );
  });

  test("a schema version from elsewhere", () => {
    expect(reason(parseRecord(ID, text((record) => (record.schemaVersion = 3))))).toBe(
      "state.json has schema version 3; this minic reads version 2",
    );
    expect(reason(parseRecord(ID, text((record) => (record.schemaVersion = "2"))))).toBe(
      'state.json: field "schemaVersion" is a string, expected a number',
    );
  });

  test("an id that is not the directory's, or not an id (engines choose their own)", () => {
    const other = "f".repeat(64);
    expect(reason(parseRecord(other, text()))).toBe("state.json has id 0123456789ab but lies in directory ffffffffffff");
    expect(reason(parseRecord(ID, text((record) => (record.id = "../etc"))))).toBe('state.json: field "id" is not a container id');
    expect(reason(parseRecord("my-container.1", text((record) => (record.id = "my-container.1"))))).toBe("(read as a record)"); // an engine's own id
  });

  test("records from before --no-new-keyring and host mounts read as containers with neither", () => {
    const read = parseRecord(ID, text((record) => {
      delete record.sessionKeyring;
      delete record.hostMounts;
    }));
    expect(read).toEqual({ kind: "ok", record: v2Record() });
    const withMounts = parseRecord(ID, text((record) => (record.hostMounts = { root: "/srv/bundle/rootfs", before: [31, 40] })));
    expect(withMounts.kind === "ok" && withMounts.record.hostMounts).toEqual({ root: "/srv/bundle/rootfs", before: [31, 40] });
    expect(reason(parseRecord(ID, text((record) => (record.hostMounts = { root: "rootfs", before: [] }))))).toBe('state.json: field "hostMounts.root" is "rootfs", expected an absolute path');
    expect(reason(parseRecord(ID, text((record) => (record.hostMounts = { root: "/r", before: ["x"] }))))).toBe('state.json: field "hostMounts.before" holds something other than mount ids');
    expect(reason(parseRecord(ID, text((record) => (record.sessionKeyring = "no"))))).toBe('state.json: field "sessionKeyring" is a string, expected a boolean');
  });

  test("a malformed cgroup", () => {
    const cgroup = (change: (value: { version: unknown; dirs: unknown }) => void) =>
      text((record) => {
        const value = { version: 2, dirs: [{ path: "/sys/fs/cgroup/minic/x", root: "/sys/fs/cgroup", view: "", controllers: ["pids"] }] };
        change(value);
        record.cgroup = value;
      });
    expect(parseRecord(ID, cgroup(() => {})).kind).toBe("ok");
    expect(reason(parseRecord(ID, cgroup((value) => (value.version = 3))))).toBe('state.json: field "cgroup.version" is 3, expected 1 or 2');
    expect(reason(parseRecord(ID, cgroup((value) => (value.dirs = {}))))).toBe(
      'state.json: field "cgroup.dirs" is an object, expected an array',
    );
    expect(reason(parseRecord(ID, cgroup((value) => (value.dirs = [{ path: "/x", root: "/", view: "" }]))))).toBe(
      'state.json has no field "cgroup.dirs[0].controllers"',
    );
    expect(reason(parseRecord(ID, cgroup((value) => (value.dirs = [{ path: "/x", root: "/", view: "", controllers: [7] }]))))).toBe(
      'state.json: field "cgroup.dirs[0].controllers[0]" is a number, expected a string',
    );
    expect(reason(parseRecord(ID, cgroup((value) => (value.dirs = ["/x"]))))).toBe(
      'state.json: field "cgroup.dirs[0]" is a string, expected an object',
    );
  });
});

describe("record files", () => {
  let base = "";
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "minic-record-"));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  function freshDir(): string {
    const dir = join(base, String(readdirSync(base).length));
    mkdirSync(dir);
    return dir;
  }
  const read = (dir: string): RecordRead => parseRecord(ID, readFileSync(join(dir, RECORD_FILE), "utf8"));
  const stopped = (): string => text((record) => Object.assign(record, { status: "stopped", exitCode: 0, finished: "2026-11-24T09:00:00.000Z" }));

  test("a new record is padded to a block and has a spare of the same size", () => {
    const dir = freshDir();
    createRecordFiles(dir, text());
    expect(statSync(join(dir, RECORD_FILE)).size).toBe(BLOCK_SIZE);
    expect(statSync(join(dir, SPARE_FILE)).size).toBe(BLOCK_SIZE);
    expect(JSON.parse(readFileSync(join(dir, RECORD_FILE), "utf8"))).toEqual(v2Record());
    expect(read(dir)).toEqual({ kind: "ok", record: v2Record() });
  });

  test("an update goes through the spare, and a new spare is made", () => {
    const dir = freshDir();
    createRecordFiles(dir, text());
    expect(writeRecordFile(dir, stopped())).toBe("spare");
    expect(read(dir).kind === "ok" && read(dir)).toMatchObject({ record: { status: "stopped", exitCode: 0 } });
    expect(statSync(join(dir, SPARE_FILE)).size).toBe(BLOCK_SIZE);
    expect(readdirSync(dir).sort()).toEqual([RECORD_FILE, SPARE_FILE]);
  });

  test("without a spare (a record from before spares) the update writes a new file and makes one", () => {
    const dir = freshDir();
    writeFileSync(join(dir, RECORD_FILE), text());
    expect(writeRecordFile(dir, stopped())).toBe("temp");
    expect(read(dir)).toMatchObject({ kind: "ok", record: { status: "stopped" } });
    expect(readdirSync(dir).sort()).toEqual([RECORD_FILE, SPARE_FILE]);
  });

  test("a spare too small for a grown record is not used; a larger one is, cut to size", () => {
    const dir = freshDir();
    createRecordFiles(dir, text());
    const grown = text((record) => (record.command = ["echo", "x".repeat(5000)]));
    expect(writeRecordFile(dir, grown)).toBe("temp");
    expect(statSync(join(dir, RECORD_FILE)).size).toBe(2 * BLOCK_SIZE);
    expect(statSync(join(dir, SPARE_FILE)).size).toBe(2 * BLOCK_SIZE);
    expect(writeRecordFile(dir, stopped())).toBe("spare");
    expect(statSync(join(dir, RECORD_FILE)).size).toBe(BLOCK_SIZE);
    expect(read(dir)).toMatchObject({ kind: "ok", record: { status: "stopped" } });
  });

  test("other failures are MinicErrors naming state.json", () => {
    const missing = join(base, "no-such-dir");
    expect(() => writeRecordFile(missing, text())).toThrow(MinicError);
    expect(() => writeRecordFile(missing, text())).toThrow(`cannot write ${missing}/state.json: no such file or directory`);
    expect(() => createRecordFiles(missing, text())).toThrow(`cannot write ${missing}/state.json: no such file or directory`);
  });
});

// A real full disk: a 64 KiB tmpfs, filled to the last page.
describe.skipIf(process.getuid?.() !== 0)("record files on a full disk (root: mounts a tmpfs)", () => {
  let mountpoint = "";
  let mounted = false;
  beforeAll(() => {
    mountpoint = mkdtempSync(join(tmpdir(), "minic-full-"));
    const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mountpoint]);
    if (mount.exitCode !== 0) throw new Error(`mount failed: ${mount.stderr.toString()}`);
    mounted = true;
  });
  afterAll(() => {
    if (mounted) Bun.spawnSync(["umount", mountpoint]);
    rmSync(mountpoint, { recursive: true, force: true });
  });

  /** Append to `filler` until the disk refuses; true when it did refuse with ENOSPC. */
  function fill(): boolean {
    const fd = openSync(join(mountpoint, "filler"), "a");
    const chunk = Buffer.alloc(BLOCK_SIZE, "x");
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      return typeof error === "object" && error !== null && "code" in error && error.code === "ENOSPC";
    } finally {
      closeSync(fd);
    }
  }
  const recordPath = (): string => join(mountpoint, "c", RECORD_FILE);
  const read = (): RecordRead => parseRecord(ID, readFileSync(recordPath(), "utf8"));
  const withStatus = (status: string, exitCode: number | null): string =>
    text((record) => Object.assign(record, { status, exitCode, finished: exitCode === null ? null : "2026-11-24T09:00:00.000Z" }));

  test("updates succeed when not one block is free", () => {
    const dir = join(mountpoint, "c");
    mkdirSync(dir);
    createRecordFiles(dir, withStatus("created", null));
    expect(fill()).toBe(true);
    expect(() => writeFileSync(join(mountpoint, "probe"), "x")).toThrow(/ENOSPC|no space/);
    rmSync(join(mountpoint, "probe"), { force: true });

    expect(writeRecordFile(dir, withStatus("running", null))).toBe("spare");
    expect(read()).toMatchObject({ kind: "ok", record: { status: "running" } });
    // The rename freed the old record's page, and the new spare took it.
    expect(existsSync(join(dir, SPARE_FILE))).toBe(true);
    expect(writeRecordFile(dir, withStatus("stopped", 0))).toBe("spare");
    expect(read()).toMatchObject({ kind: "ok", record: { status: "stopped", exitCode: 0 } });
  });

  test("with no spare and no room for a new file, the record is overwritten in place", () => {
    const dir = join(mountpoint, "c");
    rmSync(join(dir, SPARE_FILE));
    expect(fill()).toBe(true);
    expect(writeRecordFile(dir, withStatus("stopped", 137))).toBe("in-place");
    expect(read()).toMatchObject({ kind: "ok", record: { status: "stopped", exitCode: 137 } });
    expect(statSync(recordPath()).size).toBe(BLOCK_SIZE);
    expect(readdirSync(dir)).toEqual([RECORD_FILE]);
  });

  test("a record that outgrows its blocks on a full disk fails and leaves the old one whole", () => {
    const dir = join(mountpoint, "c");
    const grown = text((record) => (record.command = ["echo", "x".repeat(5000)]));
    expect(() => writeRecordFile(dir, grown)).toThrow(`cannot write ${recordPath()}: no space left on device`);
    expect(read()).toMatchObject({ kind: "ok", record: { status: "stopped", exitCode: 137 } });
    expect(statSync(recordPath()).size).toBe(BLOCK_SIZE);
  });

  test("once there is room again, the spare comes back", () => {
    const dir = join(mountpoint, "c");
    rmSync(join(mountpoint, "filler"));
    expect(writeRecordFile(dir, withStatus("stopped", 1))).toBe("temp");
    expect(statSync(join(dir, SPARE_FILE)).size).toBe(BLOCK_SIZE);
    expect(writeRecordFile(dir, withStatus("stopped", 2))).toBe("spare");
    expect(read()).toMatchObject({ kind: "ok", record: { exitCode: 2 } });
  });

  test("a read-only file system is an error, not a fallback", () => {
    const dir = join(mountpoint, "c");
    expect(Bun.spawnSync(["mount", "-o", "remount,ro", mountpoint]).exitCode).toBe(0);
    try {
      expect(() => writeRecordFile(dir, withStatus("stopped", 3))).toThrow(`cannot write ${recordPath()}: read-only file system`);
    } finally {
      Bun.spawnSync(["mount", "-o", "remount,rw", mountpoint]);
    }
    expect(read()).toMatchObject({ kind: "ok", record: { exitCode: 2 } });
  });
});
