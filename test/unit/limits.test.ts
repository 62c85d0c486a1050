import { describe, expect, test } from "bun:test";
import { parseRunArgs } from "../../src/cli/run.ts";
import { NO_LIMITS, neededControllers, parseSize, resourcesFromFlags, type LimitFlags } from "../../src/spec/limits.ts";

const limits = (flags: Partial<LimitFlags>, hostCpus = 2) => resourcesFromFlags({ ...NO_LIMITS, ...flags }, hostCpus);

describe("sizes", () => {
  test("Docker's units, binary, case-insensitive, with an optional b or ib", () => {
    expect(parseSize("64m")).toBe(64 * 1024 ** 2);
    expect(parseSize("64M")).toBe(64 * 1024 ** 2);
    expect(parseSize("64MiB")).toBe(64 * 1024 ** 2);
    expect(parseSize("1.5g")).toBe(1.5 * 1024 ** 3);
    expect(parseSize("512k")).toBe(512 * 1024);
    expect(parseSize("100")).toBe(100);
    expect(parseSize("100b")).toBe(100);
    for (const bad of ["", "m", "64x", "-5m", "1e6", "64 mb extra", "0x10"]) expect(parseSize(bad)).toBeNull();
  });
});

describe("limit flags", () => {
  test("become linux.resources", () => {
    expect(limits({})).toEqual({});
    expect(limits({ memory: "64m", cpus: "0.5", cpuShares: "512", pidsLimit: "100" })).toEqual({
      memory: { limit: 64 << 20 },
      cpu: { quota: 50_000, period: 100_000, shares: 512 },
      pids: { limit: 100 },
    });
    expect(limits({ memory: "64m", memorySwap: "-1" })).toEqual({ memory: { limit: 64 << 20, swap: -1 } });
    expect(limits({ memory: "64m", memorySwap: "128m" })).toEqual({ memory: { limit: 64 << 20, swap: 128 << 20 } });
    expect(limits({ cpus: "2" })).toEqual({ cpu: { quota: 200_000, period: 100_000 } });
    expect(neededControllers(limits({ memory: "64m", pidsLimit: "5" }))).toEqual(["memory", "pids"]);
  });

  test("bad values are refused with the flag and the reason", () => {
    expect(() => limits({ memory: "lots" })).toThrow('invalid --memory "lots": expected a size such as 64m (units b, k, m, g)');
    expect(() => limits({ memory: "0" })).toThrow('invalid --memory "0": must be greater than 0');
    expect(() => limits({ memory: "-5m" })).toThrow(/invalid --memory "-5m"/);
    expect(() => limits({ memory: "4m" })).toThrow('invalid --memory "4m": the minimum is 6m');
    expect(() => limits({ memorySwap: "1g" })).toThrow("--memory-swap needs --memory");
    expect(() => limits({ memory: "64m", memorySwap: "32m" })).toThrow(/at least --memory \(64m\)/);
    expect(() => limits({ memory: "64m", memorySwap: "-2" })).toThrow(/invalid --memory-swap "-2"/);
    expect(() => limits({ cpus: "3" }, 2)).toThrow('invalid --cpus "3": the range is 0.01 to 2.00, as this host has 2 CPUs');
    expect(() => limits({ cpus: "0" })).toThrow(/the range is 0.01/);
    expect(() => limits({ cpus: "0.001" })).toThrow(/the range is 0.01/);
    expect(() => limits({ cpus: "-1" })).toThrow(/expected a decimal number/);
    expect(() => limits({ cpus: "half" })).toThrow(/expected a decimal number/);
    for (const bad of ["0", "-1", "1.5", "x", ""]) {
      expect(() => limits({ pidsLimit: bad })).toThrow(`invalid --pids-limit "${bad}": expected a whole number greater than 0`);
      expect(() => limits({ cpuShares: bad })).toThrow(/invalid --cpu-shares/);
    }
  });

  test("run's flags, Docker's short forms included", () => {
    const { options } = parseRunArgs(["-m", "64m", "--memory-swap=-1", "--cpus", "0.5", "-c", "512", "--pids-limit", "9", "sh"]);
    expect(options.limits).toEqual({ memory: "64m", memorySwap: "-1", cpus: "0.5", cpuShares: "512", pidsLimit: "9" });
    expect(parseRunArgs(["sh"]).options.limits).toEqual(NO_LIMITS);
  });
});
