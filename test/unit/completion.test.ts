import { describe, expect, test } from "bun:test";
import { completionScript } from "../../src/cli/completion.ts";

/** Run bash's completion for `words` (the last one being completed), with `minic ps` answering `names`. */
function complete(script: string, words: string[], names: string): string[] {
  const program = `${script}
minic() { printf '%s\\n' ${names}; }
COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_minic
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = Bun.spawnSync(["bash", "--norc", "--noprofile", "-c", program], { stdout: "pipe", stderr: "pipe" });
  expect(result.stderr.toString()).toBe("");
  return result.stdout.toString().split("\n").filter(Boolean);
}

describe("shell completion from the flag tables", () => {
  test("bash: it loads; commands, a command's flags, and container names where a command takes containers", async () => {
    const script = await completionScript("bash");
    expect(complete(script, ["minic", "r"], "")).toEqual(["run", "rm", "restart"]);
    expect(complete(script, ["minic", "run", "--rm"], "")).toEqual(["--rm"]);
    expect(complete(script, ["minic", "run", "--pub"], "")).toEqual(["--publish", "--publish-all"]);
    expect(complete(script, ["minic", "stop", ""], "'web 0123456789ab' 'db fedcba987654'")).toEqual(["web", "0123456789ab", "db", "fedcba987654"]);
    expect(complete(script, ["minic", "logs", "w"], "'web 0123456789ab'")).toEqual(["web"]);
    expect(complete(script, ["minic", "logs", "01"], "'web 0123456789ab'")).toEqual(["0123456789ab"]);
  });

  test("zsh and fish: the same commands, flags and names, in their own forms", async () => {
    const zsh = await completionScript("zsh");
    expect(zsh.startsWith("#compdef minic\n")).toBe(true);
    expect(zsh).toContain("    run) flags=(");
    expect(zsh).toContain("--publish -p");
    const fish = await completionScript("fish");
    expect(fish).toContain("complete -c minic -n '__fish_seen_subcommand_from run' -l publish -s p");
    const names = fish.split("\n").find((line) => line.includes("minic ps -a --format")) ?? "";
    expect(names).toMatch(/^complete -c minic -f -n '__fish_seen_subcommand_from [a-z ]*\bstop\b[a-z ]*' -a /);
    // Files stay completable elsewhere: no blanket -f; a flag that takes a value says -r.
    expect(fish).not.toContain("complete -c minic -f\n");
    expect(fish).toContain("-l rootfs -r");
    expect(zsh).toContain('if [ "$funcstack[1]" = _minic ]; then');
    expect(names).toContain("{{.Names}} {{.ID}}");
    await expect(completionScript("tcsh")).rejects.toThrow('no completion for shell "tcsh"');
  });
});
