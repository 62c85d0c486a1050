// `minic run` on a rootfs minic built: the image's ENTRYPOINT, CMD, ENV, WORKDIR and USER applied
// as docker run applies them, and overridden by the command line. The record is written here as
// `minic build` writes it (build.test.ts makes one through a real engine).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leftovers, minic, ROOTFS, stateDir } from "../support/minic.ts";

let work = "";
let rootfs = "";
let root = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "minic-image-config-"));
  rootfs = join(work, "rootfs");
  expect(spawnSync("cp", ["-a", ROOTFS, rootfs]).status).toBe(0);
  spawnSync("mkdir", ["-p", join(rootfs, "srv/app")]);
  writeFileSync(join(rootfs, ".minic-rootfs"), JSON.stringify({
    image: "sha256:0123",
    dockerfile: "/ctx/Dockerfile.rootfs",
    built: "2026-11-24T20:00:00.000Z",
    config: {
      Env: ["PATH=/usr/bin:/bin", "GREETING=from-image", "MODE=image"],
      Entrypoint: ["/bin/sh", "-c", 'echo "$GREETING $MODE $(pwd) $(id -u) args:$0 $*"'],
      Cmd: ["first", "second"],
      WorkingDir: "/srv/app",
      User: "nobody",
      StopSignal: "SIGQUIT",
      Labels: {},
      ExposedPorts: null,
      Volumes: null,
    },
  }));
  root = stateDir();
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

const run = (args: string[]) => minic(["run", "--rm", "--rootfs", rootfs, ...args], root);

describe("the image's configuration", () => {
  test("without a command: ENTRYPOINT + CMD, as the image's USER in its WORKDIR, with its ENV", async () => {
    const result = await run([]);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: "from-image image /srv/app 65534 args:first second\n", stderr: "" });
  });

  test("a command replaces CMD; -e, --env-file, -w and -u override the image", async () => {
    const envFile = join(work, "app.env");
    writeFileSync(envFile, "# from a file\nMODE=file\nGREETING=from-file\n");
    const result = await run(["--env-file", envFile, "-e", "GREETING=from-flag", "-w", "/tmp", "-u", "0", "one"]);
    expect(result.stdout).toBe("from-flag file /tmp 0 args:one \n");
  });

  test("--entrypoint replaces ENTRYPOINT and drops CMD; \"\" clears it, so the command runs alone", async () => {
    expect((await run(["--entrypoint", "/bin/echo"])).stdout).toBe("\n");
    expect((await run(["--entrypoint", "/bin/echo", "given"])).stdout).toBe("given\n");
    expect((await run(["--entrypoint", "", "sh", "-c", "echo $MODE"])).stdout).toBe("image\n");
  });

  test("bad input: nothing to run, a bad env file, a damaged or linked record: one line, 125, nothing left", async () => {
    const nothing = await run(["--entrypoint", ""]);
    expect({ code: nothing.code, stderr: nothing.stderr }).toEqual({ code: 125, stderr: "minic: no command specified: the image has neither ENTRYPOINT nor CMD, and none was given\n" });
    const envFile = join(work, "bad.env");
    writeFileSync(envFile, "GOOD=1\nNOT A KEY\n");
    const badEnv = await run(["--env-file", envFile, "true"]);
    expect({ code: badEnv.code, stderr: badEnv.stderr }).toEqual({ code: 125, stderr: `minic: invalid --env-file ${envFile}, line 2: "NOT A KEY" (expected KEY=VALUE or KEY)\n` });
    const missing = await run(["--env-file", join(work, "none.env"), "true"]);
    expect(missing.stderr).toBe(`minic: cannot read --env-file ${join(work, "none.env")}: no such file or directory\n`);

    const other = join(work, "other");
    expect(spawnSync("cp", ["-a", ROOTFS, other]).status).toBe(0);
    writeFileSync(join(other, ".minic-rootfs"), "{ damaged");
    const damaged = await minic(["run", "--rm", "--rootfs", other, "true"], root);
    expect({ code: damaged.code, stderr: damaged.stderr }).toEqual({ code: 125, stderr: `minic: ${other}/.minic-rootfs is damaged (not JSON): rebuild the rootfs with minic build, or remove the file\n` });
    // A record that is a link is not followed out of the rootfs: the rootfs runs as one without.
    rmSync(join(other, ".minic-rootfs"));
    symlinkSync(join(rootfs, ".minic-rootfs"), join(other, ".minic-rootfs"));
    expect((await minic(["run", "--rm", "--rootfs", other, "echo", "plain"], root)).stdout).toBe("plain\n");
    expect(leftovers(root)).toEqual([]);
  });
});
