// Exit statuses as Docker reports them, and the one-line messages that go with failures.
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { minic, ROOTFS, run, stateDir, waitFor } from "../support/minic.ts";
import { spawn } from "bun";

describe("exit status", () => {
  test("the workload's own status: 0 and 3", async () => {
    expect((await run(["true"])).code).toBe(0);
    expect((await run(["sh", "-c", "exit 3"])).code).toBe(3);
  });

  test("127 when the command is not found, with Docker's message", async () => {
    const r = await run(["no-such-command"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('minic: exec: "no-such-command": executable file not found in $PATH (is "no-such-command" an image? minic runs a root filesystem given with --rootfs, which minic build makes)\n');
    const byPath = await run(["/no/such/file"]);
    expect(byPath.code).toBe(127);
    expect(byPath.stderr).toBe('minic: exec: "/no/such/file": no such file or directory\n');
  });

  test("126 when the command exists but cannot be executed", async () => {
    const r = await run(["/etc/passwd"]);
    expect(r.code).toBe(126);
    expect(r.stderr).toBe('minic: exec: "/etc/passwd": permission denied\n');
  });

  test("125 when minic itself fails", async () => {
    const r = await run(["--no-such-flag", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("minic: unknown flag: --no-such-flag (see 'minic run --help')\n");
  });

  test("137 when the workload is killed by SIGKILL", async () => {
    const root = stateDir();
    try {
      const child = spawn([join(import.meta.dir, "../../minic"), "run", "--rootfs", ROOTFS, "--name", "victim", "sleep", "60"], {
        env: { ...process.env, MINIC_ROOT: root },
        stdout: "pipe",
        stderr: "pipe",
      });
      const statePath = () => {
        const ps = Bun.spawnSync(["sh", "-c", `cat ${root}/containers/*/state.json 2>/dev/null`]);
        return ps.stdout.toString();
      };
      await waitFor(() => statePath().includes('"running"'));
      const pid = (JSON.parse(statePath()) as { process: { pid: number } }).process.pid;
      process.kill(pid, "SIGKILL");
      expect(await child.exited).toBe(137);
      const ps = await minic(["ps", "-a"], root);
      expect(ps.stdout).toContain("Exited (137)");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
