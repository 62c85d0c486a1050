import { describe, expect, test } from "bun:test";
import { matchesFilters, parsePsFilter, psRow, tableOf } from "../../src/cli/ps-view.ts";
import { formatWith } from "../../src/cli/template.ts";
import type { ContainerRecord } from "../../src/state/store.ts";

const record: ContainerRecord = {
  schemaVersion: 2, bundle: null, id: "0123456789abcdef".repeat(4), name: "web", command: ["sh", "-c", "exit 3"], rootfs: "/r",
  created: "2026-01-01T00:00:00.000Z", status: "stopped", process: null, owner: null,
  exitCode: 3, finished: "2026-01-01T00:01:00.000Z", started: null, autoRemove: false, cgroup: null,
  sessionKeyring: true, hostMounts: null, restartCount: 0, manuallyStopped: false, restarting: false, oomKilled: false,
};
const now = Date.parse("2026-01-01T00:03:00.000Z");

// Go prints CreatedAt in local time: this test's is UTC.
process.env.TZ = "UTC";

describe("ps --filter and --format", () => {
  test("Docker's fields", () => {
    expect(psRow(record, { tier: "front" }, now, false)).toEqual({
      ID: "0123456789ab", Names: "web", Image: "/r", Command: '"sh -c exit 3"', CreatedAt: "2026-01-01 00:00:00 +0000 UTC",
      RunningFor: "3 minutes ago", Status: "Exited (3) 2 minutes ago", State: "exited", Labels: "tier=front", Mounts: "", Ports: "", Size: "",
    });
    expect(psRow(record, {}, now, true).ID).toBe(record.id);
    // Docker cuts the command at 20 characters, the last an ellipsis; --no-trunc keeps it whole.
    const long = { ...record, command: ["sh", "-c", "echo hello world and more words"] };
    expect(psRow(long, {}, now, false).Command).toBe('"sh -c echo hello wo…"');
    expect(psRow(long, {}, now, true).Command).toBe('"sh -c echo hello world and more words"');
  });

  test("one key's filters are alternatives; different keys all apply", () => {
    const labels = { tier: "front", team: "a" };
    const match = (...texts: string[]) => matchesFilters(record, labels, texts.map(parsePsFilter));
    expect(match("status=exited")).toBe(true);
    expect(match("status=running", "status=exited")).toBe(true);
    expect(match("status=exited", "name=we")).toBe(true);
    expect(match("status=exited", "name=db")).toBe(false);
    expect(match("label=tier")).toBe(true);
    expect(match("label=tier=back")).toBe(false);
    expect(match("id=0123")).toBe(true);
    expect(() => parsePsFilter("color=red")).toThrow('invalid --filter "color=red": expected status=, name=, label= or id=');
    expect(() => parsePsFilter("status=sleeping")).toThrow("a status is one of created, restarting, running, paused, exited");
  });

  test("table TEMPLATE: a header from the fields, columns aligned on tabs", () => {
    const template = "{{.Names}}\\t{{.Status}}";
    const rows = [psRow(record, {}, now, false), { ...psRow(record, {}, now, false), Names: "a-longer-name" }];
    expect(tableOf(template, formatWith(template), rows)).toBe(
      ["NAMES           STATUS", "web             Exited (3) 2 minutes ago", "a-longer-name   Exited (3) 2 minutes ago"].join("\n"),
    );
  });
});
