import { describe, expect, test } from "bun:test";
import { containerTable, humanDuration, statusText } from "../../src/cli/format.ts";
import { exitCodeOf } from "../../src/process/spawn.ts";
import type { ContainerRecord } from "../../src/state/store.ts";

const record: ContainerRecord = {
  schemaVersion: 2, bundle: null, id: "0123456789abcdef".repeat(4), name: "web", command: ["sh", "-c", "exit 3"], rootfs: "/r",
  created: "2026-01-01T00:00:00.000Z", status: "stopped", process: null, owner: null,
  exitCode: 3, finished: "2026-01-01T00:01:00.000Z", started: null, autoRemove: false, cgroup: null,
  sessionKeyring: true, hostMounts: null, restartCount: 0, manuallyStopped: false, restarting: false, oomKilled: false,
};

describe("ps formatting", () => {
  test("durations read like Docker's", () => {
    expect(humanDuration(400)).toBe("Less than a second");
    expect(humanDuration(5_000)).toBe("5 seconds");
    expect(humanDuration(60_000)).toBe("About a minute");
    expect(humanDuration(3 * 3600_000)).toBe("3 hours");
    // go-units' rules, case by case.
    const hour = 3600_000;
    const day = 24 * hour;
    const cases: [number, string][] = [
      [999, "Less than a second"], [1_000, "1 second"], [1_999, "1 second"], [59_999, "59 seconds"], [60_000, "About a minute"],
      [119_999, "About a minute"], [120_000, "2 minutes"], [59 * 60_000, "59 minutes"], [60 * 60_000, "About an hour"],
      [1.49 * hour, "About an hour"], [1.5 * hour, "2 hours"], [47.4 * hour, "47 hours"], [47.5 * hour, "2 days"],
      [13 * day, "13 days"], [14 * day, "2 weeks"], [59 * day, "8 weeks"], [60 * day, "2 months"], [729 * day, "24 months"],
      [730 * day, "2 years"], [3 * 365 * day, "3 years"], [-5, "Less than a second"],
    ];
    for (const [ms, text] of cases) expect({ ms, text: humanDuration(ms) }).toEqual({ ms, text });
  });

  test("status carries the exit code", () => {
    expect(statusText(record, Date.parse("2026-01-01T00:03:00.000Z"))).toBe("Exited (3) 2 minutes ago");
    expect(statusText({ ...record, status: "running" }, Date.parse("2026-01-01T00:00:10.000Z"))).toBe("Up 10 seconds");
    // Started again later: up since then, not since it was made.
    expect(statusText({ ...record, status: "running", started: "2026-01-01T02:00:00.000Z" }, Date.parse("2026-01-01T02:00:05.000Z"))).toBe("Up 5 seconds");
    expect(statusText({ ...record, restarting: true }, Date.parse("2026-01-01T00:03:00.000Z"))).toBe("Restarting (3) 2 minutes ago");
  });

  test("the table has Docker's columns and short ids", () => {
    const damaged = { kind: "damaged" as const, id: "fedcba9876543210".repeat(4), reason: "state.json is empty" };
    const table = containerTable([{ kind: "ok", record }, damaged], Date.parse("2026-01-01T00:03:00.000Z"), null, new Map([[record.id, "0.0.0.0:8080->80/tcp"]])).split("\n");
    expect(table[0]).toMatch(/^CONTAINER ID {3}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    expect(table[1]).toMatch(new RegExp(`^0123456789ab {3}${record.rootfs} +"sh -c exit 3" +3 minutes ago +Exited \\(3\\) 2 minutes ago +0\\.0\\.0\\.0:8080->80/tcp +web$`));
    expect(table[2]).toMatch(/^fedcba987654 +Damaged: state\.json is empty$/);
    for (const line of table) expect(line).toBe(line.trimEnd());
  });
});

describe("wait status", () => {
  test("exit codes pass through; signals become 128+N", () => {
    expect(exitCodeOf(3 << 8)).toBe(3);
    expect(exitCodeOf(9)).toBe(137);
    expect(exitCodeOf(15 | 0x80)).toBe(143); // core dump bit
  });
});
