// The README's examples, run as written (less sudo: the suite runs as root) in a directory whose
// ./rootfs is the busybox rootfs `make run` makes offline, against the output they show.
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

test("the README's ps and rm example: the columns, the command as ps quotes it, the status and the name", async () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const example = /```\n\$ minic ps -a\n([^\n]+)\n([^\n]+)\n[\s\S]*?\$ minic rm web-1\n([^\n]+)\n```/.exec(readme);
  expect(example).not.toBeNull();
  const [, header = "", row = "", removed = ""] = example ?? [];
  const env = { ...process.env, MINIC_ROOT: join(dir, "state") };
  const made = Bun.spawnSync([MINIC, "run", "--name", "web-1", "--network", "none", "--rootfs", "./rootfs", "sh", "-c", "exit 3"], { cwd: dir, env });
  expect(made.exitCode).toBe(3);
  const ps = Bun.spawnSync([MINIC, "ps", "-a"], { cwd: dir, env, stdout: "pipe" }).stdout.toString().split("\n");
  // Widths follow the contents (the rootfs's path here is longer): the same columns, word for word.
  const words = (line: string) => line.trim().split(/\s{2,}/);
  expect(words(ps[0] ?? "")).toEqual(words(header));
  const [, , shownCommand, , shownStatus, shownName] = words(row);
  const [id, image, command, , status, name] = words(ps[1] ?? "");
  expect(id).toMatch(/^[0-9a-f]{12}$/);
  expect(image).toBe(join(dir, "rootfs"));
  expect({ command, status: status?.replace(/\d+ seconds? ago|Less than a second ago/, "T"), name }).toEqual({ command: shownCommand, status: shownStatus?.replace(/\d+ seconds? ago/, "T"), name: shownName });
  const rm = Bun.spawnSync([MINIC, "rm", "web-1"], { cwd: dir, env, stdout: "pipe" });
  expect(rm.stdout.toString()).toBe(`${removed}\n`);
});
