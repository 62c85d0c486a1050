// Fifty containers later, the host is exactly as it was.
import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { hostMounts, minic, ROOTFS, stateDir, tree } from "../support/minic.ts";

test("50 runs leave the host's mount table and minic's state directory unchanged", async () => {
  const root = stateDir();
  try {
    await minic(["run", "--rm", "--rootfs", ROOTFS, "true"], root); // first run writes the executor source
    const mounts = hostMounts();
    const state = tree(root);
    for (let i = 0; i < 50; i++) {
      const r = await minic(["run", "--rm", "--rootfs", ROOTFS, "sh", "-c", `echo ${i} > /tmp/n; cat /tmp/n`], root);
      expect(r.stdout).toBe(`${i}\n`);
    }
    expect(hostMounts()).toBe(mounts);
    expect(tree(root)).toEqual(state);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
