import { describe, expect, test } from "bun:test";
import { usageText, VERBS } from "../../src/cli/command.ts";
import { renderHelp, wrap } from "../../src/cli/help.ts";

describe("help in Docker's shape, from the parser's flag tables", () => {
  test("every command: a true usage line naming it, its options in both forms, nothing past 80 columns, no trailing spaces", async () => {
    for (const [name, load] of Object.entries(VERBS)) {
      const command = await load();
      const text = await usageText(command.definition);
      const lines = text.trimEnd().split("\n");
      expect({ name, first: lines[0]?.startsWith(`Usage:  minic ${name}`) }).toEqual({ name, first: true });
      for (const line of lines) {
        expect({ name, line, long: line.length > 80 }).toEqual({ name, line, long: false });
        expect({ name, line, trailing: /\s$/.test(line) }).toEqual({ name, line, trailing: false });
      }
      // Every flag the parser takes is listed (but --help itself).
      const args = command.definition.args as Record<string, { alias?: string; type: string }>;
      for (const [flag, spec] of Object.entries(args)) {
        if (spec.type === "positional" || flag === "help") continue;
        expect({ name, flag, listed: text.includes(`--${flag}`) }).toEqual({ name, flag, listed: true });
        if (spec.alias !== undefined) expect({ name, flag, short: text.includes(`-${spec.alias}, --${flag}`) }).toEqual({ name, flag, short: true });
      }
    }
  });

  test("the main help lists every command, the environment and the exit codes", async () => {
    const { mainDefinition } = await import("../../src/cli/command.ts");
    const text = await usageText(mainDefinition);
    expect(text.startsWith("Usage:  minic [OPTIONS] COMMAND [ARG...]\n")).toBe(true);
    for (const name of Object.keys(VERBS)) expect(text).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    expect(text).toContain("MINIC_ROOT");
    expect(text).toMatch(/^  125 +minic itself failed/m);
  });

  test("columns wrap to the width given (48 here); a long format breaks after its commas", () => {
    const page = {
      usage: "minic x [OPTIONS]",
      description: "One two three four five six seven eight nine ten eleven twelve",
      flags: [
        { name: "publish", short: "p", kind: "list" as const, valueHint: "PORT", description: "Publish a port, one of many words that will not fit in forty columns" },
        { name: "mount", kind: "list" as const, valueHint: "SPEC", description: "type=bind|tmpfs,source=HOST,target=CTR[,readonly]" },
        { name: "rm", kind: "boolean" as const, description: "Remove" },
      ],
    };
    const text = renderHelp(page, 48);
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(48);
    expect(text).toContain("  -p, --publish PORT   Publish a port, one");
    expect(text).toContain("      --rm             Remove");
    expect(wrap("a,b,c", 2)).toEqual(["a,", "b,", "c"]);
  });
});
