import { describe, expect, test } from "bun:test";
import { parseCommandLine } from "../../src/cli/argv.ts";
import { editDistance, nearest } from "../../src/cli/suggest.ts";

describe("did you mean", () => {
  test("edit distance counts a swap of neighbours as one", () => {
    expect(editDistance("run", "run")).toBe(0);
    expect(editDistance("rnu", "run")).toBe(1);
    expect(editDistance("rm", "rmm")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  test("the nearest word when near enough to be a typo, else none", () => {
    const verbs = ["run", "rm", "ps", "inspect", "network", "start", "stop", "stats"];
    expect(nearest("rnu", verbs)).toBe("run");
    expect(nearest("isnpect", verbs)).toBe("inspect");
    expect(nearest("netw", verbs)).toBe("network");
    expect(nearest("frobnicate", verbs)).toBeNull();
    expect(nearest("x", verbs)).toBeNull();
  });

  test("an unknown flag names the nearest one", () => {
    const specs = [{ name: "rm", kind: "boolean" as const, description: "" }, { name: "publish", short: "p", kind: "list" as const, description: "" }];
    expect(() => parseCommandLine(["--rmm"], specs, "run")).toThrow("unknown flag: --rmm");
    try {
      parseCommandLine(["--publsh", "80"], specs, "run");
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe("did you mean --publish? see 'minic run --help'");
    }
  });
});
