import { describe, expect, test } from "bun:test";
import { parseRestartPolicy, restartDelayMs, restartPolicyText, shouldRestart } from "../../src/spec/restart-policy.ts";

describe("restart policies", () => {
  test("parsed as docker run takes them; bad ones refused by name", () => {
    expect(parseRestartPolicy("no")).toEqual({ name: "no", maxRetries: 0 });
    expect(parseRestartPolicy("on-failure:3")).toEqual({ name: "on-failure", maxRetries: 3 });
    expect(parseRestartPolicy("unless-stopped")).toEqual({ name: "unless-stopped", maxRetries: 0 });
    expect(() => parseRestartPolicy("sometimes")).toThrow('invalid --restart "sometimes": expected no, on-failure[:N], always or unless-stopped');
    expect(() => parseRestartPolicy("always:2")).toThrow("only on-failure takes a maximum retry count");
    expect(restartPolicyText(parseRestartPolicy("on-failure:2"))).toBe("on-failure:2");
  });

  test("on-failure restarts a failure up to its limit; always until stopped by hand; no never", () => {
    const failed = { exitCode: 1, restartCount: 0, manuallyStopped: false };
    expect(shouldRestart(parseRestartPolicy("on-failure:2"), failed)).toBe(true);
    expect(shouldRestart(parseRestartPolicy("on-failure:2"), { ...failed, restartCount: 2 })).toBe(false);
    expect(shouldRestart(parseRestartPolicy("on-failure"), { ...failed, restartCount: 50 })).toBe(true);
    expect(shouldRestart(parseRestartPolicy("on-failure"), { ...failed, exitCode: 0 })).toBe(false);
    expect(shouldRestart(parseRestartPolicy("always"), { ...failed, exitCode: 0 })).toBe(true);
    expect(shouldRestart(parseRestartPolicy("always"), { ...failed, manuallyStopped: true })).toBe(false);
    expect(shouldRestart(parseRestartPolicy("no"), failed)).toBe(false);
  });

  test("the delay doubles from 100 ms, at most a minute", () => {
    expect([0, 1, 2, 3].map(restartDelayMs)).toEqual([100, 200, 400, 800]);
    expect(restartDelayMs(20)).toBe(60_000);
  });
});
