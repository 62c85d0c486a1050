import { describe, expect, test } from "bun:test";
import { lutimesSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rangeTaken, releaseRanges, tryClaimRange } from "../../src/state/id-ranges.ts";

describe("--userns=auto's claims on id ranges", () => {
  test("a claim is taken once; a fresh claim without a record holds, an old one is free again; rm releases", () => {
    const root = mkdtempSync(join(tmpdir(), "minic-ranges-"));
    try {
      expect(tryClaimRange(root, 65536, "a")).toBe(true);
      // Claimed again by its holder: still its own. Another container cannot take it while it is being made.
      expect(tryClaimRange(root, 65536, "a")).toBe(true);
      expect(tryClaimRange(root, 65536, "b")).toBe(false);
      expect(rangeTaken(root, 65536)).toBe(true);
      // A claim long without a record is a run that failed before it made one: free again.
      const old = new Date(Date.now() - 60 * 60 * 1000);
      lutimesSync(join(root, "userns", "65536"), old, old);
      expect(rangeTaken(root, 65536)).toBe(false);
      expect(tryClaimRange(root, 65536, "b")).toBe(true);
      // A holder with a record keeps it however old the claim.
      mkdirSync(join(root, "containers", "b"), { recursive: true });
      writeFileSync(join(root, "containers", "b", "state.json"), "{}");
      lutimesSync(join(root, "userns", "65536"), old, old);
      expect(tryClaimRange(root, 65536, "c")).toBe(false);
      releaseRanges(root, "b");
      expect(readdirSync(join(root, "userns"))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
