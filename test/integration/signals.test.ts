// Signals sent to minic reach the container's PID 1 when there is no terminal.
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { spawn } from "bun";
import { MINIC, ROOTFS, stateDir } from "../support/minic.ts";

async function relayed(signal: NodeJS.Signals, name: string, code: number): Promise<void> {
  const root = stateDir();
  try {
    const script = `trap 'exit ${code}' ${name}; echo ready; while :; do sleep 0.05; done`;
    const child = spawn([MINIC, "run", "--rm", "--rootfs", ROOTFS, "sh", "-c", script], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = child.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("ready\n");
    child.kill(signal);
    expect(await child.exited).toBe(code);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe("signal forwarding", () => {
  test("SIGTERM", () => relayed("SIGTERM", "TERM", 42));
  test("SIGINT", () => relayed("SIGINT", "INT", 43));
  test("SIGHUP", () => relayed("SIGHUP", "HUP", 44));
  test("SIGQUIT", () => relayed("SIGQUIT", "QUIT", 45));
  test("SIGUSR1", () => relayed("SIGUSR1", "USR1", 46));
  test("SIGUSR2", () => relayed("SIGUSR2", "USR2", 47));
});
