import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MinicError } from "../../src/errors.ts";
import { isLockBusy, lockPath, LockBusyError, withLock } from "../../src/state/lock.ts";

const LOCK_MODULE = resolve(import.meta.dir, "../../src/state/lock.ts");

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "minic-lock-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A bun process that takes the lock on `dir`, says "locked <pid of anything it spawned>", holds it `holdMs` and exits. */
function holder(holdMs: number, spawnSleeper = false) {
  const script = `
    import { lockPath } from ${JSON.stringify(LOCK_MODULE)};
    const lock = lockPath(process.env.LOCK_DIR);
    const sleeper = process.env.SPAWN_SLEEPER === "1" ? Bun.spawn(["sleep", "30"], { stdio: ["ignore", "ignore", "ignore"] }) : null;
    console.log("locked", sleeper?.pid ?? 0);
    await Bun.sleep(Number(process.env.HOLD_MS));
    lock.release();
  `;
  return Bun.spawn([process.execPath, "-e", script], {
    env: { ...process.env, LOCK_DIR: dir, HOLD_MS: String(holdMs), SPAWN_SLEEPER: spawnSleeper ? "1" : "0" },
    stdout: "pipe",
    stderr: "inherit",
  });
}

/** Wait for the holder's "locked" line; returns the pid it reports. */
async function locked(child: ReturnType<typeof holder>): Promise<number> {
  const decoder = new TextDecoder();
  let output = "";
  for await (const chunk of child.stdout) {
    output += decoder.decode(chunk);
    const match = /locked (\d+)\n/.exec(output);
    if (match) return Number(match[1]);
  }
  throw new Error(`the holder exited without taking the lock: ${JSON.stringify(output)}`);
}

describe("lockPath in one process", () => {
  test("a second lock is busy until the first is released", () => {
    const first = lockPath(dir);
    let busy: unknown = null;
    try {
      lockPath(dir, { wait: false, what: "container 0123456789ab" });
    } catch (error) {
      busy = error;
    }
    expect(busy).toBeInstanceOf(LockBusyError);
    expect(busy).toBeInstanceOf(MinicError);
    expect(isLockBusy(busy)).toBe(true);
    expect(busy instanceof Error && busy.message).toBe("container 0123456789ab is busy: another minic command is working on it");
    first.release();
    first.release();
    lockPath(dir, { wait: false }).release();
  });

  test("withLock returns fn's value and releases even when fn throws", () => {
    expect(withLock(dir, () => 42)).toBe(42);
    expect(() =>
      withLock(dir, () => {
        throw new Error("inside");
      }),
    ).toThrow("inside");
    lockPath(dir, { wait: false }).release();
  });

  test("a path that does not exist cannot be locked", () => {
    const missing = join(dir, "gone");
    expect(() => lockPath(missing)).toThrow(`cannot lock ${missing}: no such file or directory`);
    expect(isLockBusy(new MinicError("x"))).toBe(false);
  });
});

describe("lockPath between processes", () => {
  test("busy while another process holds it; a waiter gets it when that process is done", async () => {
    const child = holder(300);
    await locked(child);
    expect(() => lockPath(dir, { wait: false })).toThrow(LockBusyError);
    const start = performance.now();
    const lock = lockPath(dir);
    const waited = performance.now() - start;
    lock.release();
    expect(waited).toBeGreaterThan(100);
    expect(await child.exited).toBe(0);
  });

  test("a lock held by a SIGKILLed process is free at once, even if it had spawned a child", async () => {
    const child = holder(60_000, true);
    const sleeper = await locked(child);
    try {
      expect(() => lockPath(dir, { wait: false })).toThrow(LockBusyError);
      child.kill("SIGKILL");
      await child.exited;
      // The sleeper lives on; were the lock's descriptor inherited, it would still hold the lock.
      expect(sleeper).toBeGreaterThan(0);
      lockPath(dir, { wait: false }).release();
    } finally {
      if (sleeper > 0) process.kill(sleeper, "SIGKILL");
    }
  });
});
