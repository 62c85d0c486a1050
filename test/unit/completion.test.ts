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

/** zsh's completion of `words` (the last being completed), with its completion system's calls stubbed to print. */
function completeZsh(script: string, words: string[], names: string): string[] {
  const program = `compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
_describe() { local -a items; items=(\${(P)2}); print -l -- \${items%%:*}; }
_files() { print FILES; }
${script}
minic() { printf '%s\\n' ${names}; }
words=(${words.map((word) => `'${word}'`).join(" ")}); CURRENT=${words.length}; PREFIX='${words[words.length - 1]}'
_minic`;
  const result = Bun.spawnSync(["zsh", "-f", "-c", program], { stdout: "pipe", stderr: "pipe" });
  expect(result.stderr.toString()).toBe("");
  const prefix = words[words.length - 1] ?? "";
  return result.stdout.toString().split("\n").filter((word) => word !== "" && (word === "FILES" || word.startsWith(prefix)));
}

/** fish's own completion of a command line, with `minic ps` answering `names`. */
function completeFish(script: string, line: string, names: string): string[] {
  const program = `${script}
function minic; printf '%s\\n' ${names}; end
complete -C '${line}'`;
  const result = Bun.spawnSync(["fish", "--no-config", "-c", program], { stdout: "pipe", stderr: "pipe" });
  expect(result.stderr.toString()).toBe("");
  return result.stdout.toString().split("\n").filter(Boolean).map((entry) => entry.split("\t")[0] ?? "");
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
    // Global options before the command; help and network take commands of their own.
    expect(complete(script, ["minic", "--debug", "r"], "")).toEqual(["run", "rm", "restart"]);
    expect(complete(script, ["minic", "--deb"], "")).toEqual(["--debug"]);
    expect(complete(script, ["minic", "help", "st"], "")).toEqual(["start", "stats", "stop"]);
    expect(complete(script, ["minic", "network", "c"], "")).toEqual(["create", "connect"]);
    expect(complete(script, ["minic", "network", "create", "--sub"], "")).toEqual(["--subnet"]);
    // exec's container is its first argument only; a flag's value is no argument.
    expect(complete(script, ["minic", "exec", "-e", "K=V", "w"], "'web 0123456789ab'")).toEqual(["web"]);
    expect(complete(script, ["minic", "exec", "web", "w"], "'web 0123456789ab'")).not.toContain("web");
    // network connect NETWORK CONTAINER: the container is its second argument.
    expect(complete(script, ["minic", "network", "connect", "w"], "'web 0123456789ab'")).not.toContain("web");
    expect(complete(script, ["minic", "network", "connect", "--alias", "api", "backend", "w"], "'web 0123456789ab'")).toEqual(["web"]);
  });

  // `make check` installs zsh and fish when it runs as root (as `make test` does); without root and without them, this skips.
  test.skipIf(Bun.which("zsh") === null || Bun.which("fish") === null)("zsh and fish, loaded in their shells: commands, subcommands, flags and names", async () => {
    const zsh = await completionScript("zsh");
    expect(completeZsh(zsh, ["minic", "r"], "")).toEqual(["run", "rm", "restart"]);
    expect(completeZsh(zsh, ["minic", "--debug", "st"], "")).toEqual(["start", "stats", "stop"]);
    expect(completeZsh(zsh, ["minic", "network", "c"], "")).toEqual(["create", "connect"]);
    expect(completeZsh(zsh, ["minic", "run", "--pub"], "")).toEqual(["--publish", "--publish-all"]);
    expect(completeZsh(zsh, ["minic", "stop", "w"], "'web 0123456789ab'")).toEqual(["web"]);
    expect(completeZsh(zsh, ["minic", "exec", "web", ""], "'web 0123456789ab'")).toEqual(["FILES"]);
    const fish = await completionScript("fish");
    expect(completeFish(fish, "minic r", "")).toEqual(expect.arrayContaining(["run", "rm", "restart"]));
    expect(completeFish(fish, "minic network c", "")).toEqual(["connect", "create"]);
    expect(completeFish(fish, "minic run --pub", "")).toEqual(["--publish", "--publish-all"]);
    expect(completeFish(fish, "minic stop w", "'web 0123456789ab'")).toEqual(["web"]);
    expect(completeFish(fish, "minic exec w", "'web 0123456789ab'")).toEqual(["web"]);
    expect(completeFish(fish, "minic help sta", "")).toEqual(["start", "stats"]);
    // In order, not any word anywhere: network's other commands complete no names; a flag's value is no argument.
    expect(completeFish(fish, "minic network create w", "'web 0123456789ab'")).not.toContain("web");
    expect(completeFish(fish, "minic network connect backend w", "'web 0123456789ab'")).toEqual(["web"]);
    expect(completeFish(fish, "minic exec -u root w", "'web 0123456789ab'")).toEqual(["web"]);
    expect(completeFish(fish, "minic exec web w", "'web 0123456789ab'")).not.toContain("web");
  });

  test("zsh and fish: the same commands, flags and names, in their own forms", async () => {
    const zsh = await completionScript("zsh");
    expect(zsh.startsWith("#compdef minic\n")).toBe(true);
    expect(zsh).toContain("    'run') flags=(");
    expect(zsh).toContain("--publish -p");
    const fish = await completionScript("fish");
    expect(fish).toContain("complete -c minic -n '__minic_command run' -l publish -s p");
    const names = fish.split("\n").find((line) => line.includes("minic ps -a --format") && line.includes("'__minic_command stop'")) ?? "";
    expect(names).toMatch(/^complete -c minic -f -n '__minic_command stop' -a /);
    // Files stay completable elsewhere: no blanket -f; a flag that takes a value says -r.
    expect(fish).not.toContain("complete -c minic -f\n");
    expect(fish).toContain("-l rootfs -r");
    expect(zsh).toContain('if [ "$funcstack[1]" = _minic ]; then');
    expect(names).toContain("{{.Names}} {{.ID}}");
    await expect(completionScript("tcsh")).rejects.toThrow('no completion for shell "tcsh"');
  });
});
