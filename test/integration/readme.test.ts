// The README's opening example, run as written (less sudo: the suite runs as root) in a directory
// whose ./rootfs is the busybox rootfs `make run` makes offline, against the output it shows.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MINIC, REPO } from "../support/minic.ts";
import { buildBusyboxRootfs } from "../support/rootfs.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "minic-readme-"));
  // What `make demo-fallback-rootfs` does.
  const rootfs = buildBusyboxRootfs(join(dir, "rootfs"));
  mkdirSync(join(rootfs, "opt", "app"), { recursive: true });
  copyFileSync(join(REPO, "app", "hello.sh"), join(rootfs, "opt", "app", "hello.sh"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the README's opening example prints what the README shows", async () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const example = /```\n\$ sudo (\.\/minic run [^\n]+)\n([\s\S]*?)```/.exec(readme);
  expect(example).not.toBeNull();
  const [, command = "", shown = ""] = example ?? [];
  const r = Bun.spawnSync(["sh", "-c", command.replace(/^\.\/minic /, `${MINIC} `)], { cwd: dir, env: { ...process.env, MINIC_ROOT: join(dir, "state") }, stdout: "pipe", stderr: "pipe" });
  expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  expect(r.stdout.toString()).toBe(shown);
});
