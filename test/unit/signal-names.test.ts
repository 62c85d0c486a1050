import { describe, expect, test } from "bun:test";
import { parseSignal, signalNumber } from "../../src/process/signal-names.ts";

describe("signals", () => {
  test("by name, with or without SIG, any case; by number; real-time ones as glibc numbers them", () => {
    expect([parseSignal("KILL"), parseSignal("sigterm"), parseSignal("9"), parseSignal("SIGRTMIN+3"), parseSignal("RTMAX-1"), parseSignal("rtmin")]).toEqual([9, 15, 9, 37, 63, 34]);
    expect(signalNumber("db")).toBeNull();
    expect(signalNumber("65")).toBeNull();
    expect(signalNumber("RTMIN+40")).toBeNull();
    expect(() => parseSignal("NOPE")).toThrow("invalid signal: NOPE");
  });
});
