import { describe, expect, test } from "bun:test";
import { VERBS } from "../../src/cli/command.ts";
import { manPages } from "../../src/cli/man.ts";
import { RUN_FLAGS } from "../../src/cli/run.ts";

describe("manual pages from the help pages", () => {
  test("minic(1) and one page a command, each with its options, examples and exit status as roff", async () => {
    const pages = await manPages("2026-11-24");
    const networkPages = ["connect", "create", "disconnect", "inspect", "ls", "rm"].map((sub) => `minic-network-${sub}.1`);
    expect(Object.keys(pages).sort()).toEqual(["minic.1", ...Object.keys(VERBS).map((name) => `minic-${name}.1`), ...networkPages].sort());
    // A command of commands has a page for each, as Docker's docker-network-create(1).
    expect(pages["minic-network-create.1"]).toContain(".SH SYNOPSIS\n.B minic network create [OPTIONS] NETWORK");
    expect(pages["minic-network-create.1"]).toContain("\\fB\\-\\-subnet\\fR");
    expect(pages["minic-network.1"]).toContain("\\fBminic\\-network\\-create\\fR(1)");
    const run = pages["minic-run.1"] ?? "";
    expect(run.startsWith('.TH MINIC-RUN 1 "2026-11-24" "minic ')).toBe(true);
    expect(run).toContain(".SH SYNOPSIS\n.B minic run [OPTIONS] [COMMAND [ARG...]]");
    for (const flag of RUN_FLAGS.filter((f) => f.name !== "help")) expect(run).toContain(`\\fB\\-\\-${flag.name.replace(/-/g, "\\-")}\\fR`);
    expect(run).toContain(".SH EXIT STATUS\n.TP\n.B 125");
    expect(pages["minic.1"]).toContain("\\fBminic\\-run\\fR(1)");
    // No line a roff request could take for its own: no leading dot or quote in text.
    for (const [name, text] of Object.entries(pages)) {
      for (const line of text.split("\n")) if (/^[.']/.test(line)) expect({ name, line, request: /^\.(TH|SH|TP|B|PP|nf|fi)( |$)/.test(line) }).toEqual({ name, line, request: true });
    }
  });
});
