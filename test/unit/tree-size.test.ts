// The build's size summary walks a rootfs on the host, where the image's symlinks would resolve
// against the host's filesystem: it must count each link as itself and never follow one.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { treeSize } from "../../src/image/rootfs-output.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "minic-tree-size-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("treeSize", () => {
  test("counts links once, as links: no host path, no loop", () => {
    mkdirSync(join(dir, "dev"));
    symlinkSync("/proc/self/fd", join(dir, "dev/fd"));
    symlinkSync("/etc", join(dir, "hostetc"));
    mkdirSync(join(dir, "loop"));
    symlinkSync("b", join(dir, "loop/a"));
    symlinkSync("a", join(dir, "loop/b"));
    symlinkSync("..", join(dir, "loop/up"));
    symlinkSync(".", join(dir, "loop/self"));
    mkdirSync(join(dir, "usr/lib/ssl"), { recursive: true });
    symlinkSync("/etc/ssl/certs", join(dir, "usr/lib/ssl/certs"));
    writeFileSync(join(dir, "usr/lib/data"), "x".repeat(1000));
    writeFileSync(join(dir, "empty"), "");
    const entries = [
      "dev", "dev/fd", "hostetc", "loop", "loop/a", "loop/b", "loop/up", "loop/self",
      "usr", "usr/lib", "usr/lib/ssl", "usr/lib/ssl/certs", "usr/lib/data", "empty",
    ];
    const bytes = entries.reduce((sum, entry) => sum + lstatSync(join(dir, entry)).size, 0);

    expect(treeSize(dir)).toEqual({ bytes, files: 14 });
    // The links' own sizes (their targets' lengths) are what is counted, not their targets'.
    expect(lstatSync(join(dir, "dev/fd")).size).toBe("/proc/self/fd".length);
    expect(lstatSync(join(dir, "usr/lib/data")).size).toBe(1000);
  });

  test("a name that is not UTF-8 is counted like any other", () => {
    const name = Buffer.concat([Buffer.from(`${dir}/latin1-`), Buffer.from([0xe9])]);
    writeFileSync(name, "abc");
    expect(treeSize(dir)).toEqual({ bytes: 3, files: 1 });
  });

  test("an empty directory holds nothing; a missing one is an error", () => {
    expect(treeSize(dir)).toEqual({ bytes: 0, files: 0 });
    expect(() => treeSize(join(dir, "missing"))).toThrow(/ENOENT/);
  });
});
