// `minic completion bash|zsh|fish`: shell completion generated from the same flag tables the
// parser reads: the commands, each command's flags, and container names (from `minic ps -a`)
// where a command takes containers, as Docker's completion offers them.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { commandDefinition, HELP_FLAG, printUsage, VERBS, type Command } from "./command.ts";
import { writeStdout } from "../output.ts";

interface Completable {
  name: string;
  description: string;
  /** --long and -s forms, and whether a value follows. */
  flags: { long: string; short?: string; description: string; takesValue: boolean }[];
  /** Whether its arguments are container names. */
  containers: boolean;
}

async function completables(): Promise<Completable[]> {
  return Promise.all(Object.entries(VERBS).map(async ([name, load]) => {
    const definition = (await load()).definition;
    const args = (definition.args ?? {}) as Record<string, { type?: string; alias?: string | string[]; description?: string }>;
    const meta = definition.meta as { description?: string } | undefined;
    const flags = Object.entries(args)
      .filter(([, arg]) => arg.type !== "positional")
      .map(([long, arg]) => ({ long, short: typeof arg.alias === "string" ? arg.alias : undefined, description: arg.description ?? "", takesValue: arg.type === "string" }));
    return { name, description: meta?.description ?? "", flags, containers: "container" in args };
  }));
}

/** Every container's name and short id, words on one line each, as Docker completes both. */
const NAMES = "minic ps -a --format '{{.Names}} {{.ID}}' 2>/dev/null";

function quoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

function bash(commands: Completable[]): string {
  const cases = commands.map((c) => `    ${c.name}) flags=${quoted(c.flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]).join(" "))}; containers=${c.containers ? 1 : 0} ;;`);
  return `# minic's completion for bash: source <(minic completion bash)
_minic() {
  local cur=\${COMP_WORDS[COMP_CWORD]} flags="" containers=0
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quoted(`${commands.map((c) => c.name).join(" ")} help`)} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$containers" = 1 ]; then
    COMPREPLY=($(compgen -W "$(${NAMES})" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _minic minic
`;
}

function zsh(commands: Completable[]): string {
  const cases = commands.map((c) => `    ${c.name}) flags=(${c.flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]).join(" ")}); containers=${c.containers ? 1 : 0} ;;`);
  return `#compdef minic
# minic's completion for zsh: minic completion zsh > "\${fpath[1]}/_minic", or source <(minic completion zsh)
_minic() {
  local -a flags commands
  local containers=0
  commands=(${commands.map((c) => `${quoted(`${c.name}:${c.description.replace(/:/g, "\\:")}`)}`).join(" ")})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases.join("\n")}
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $flags
  elif (( containers )); then
    compadd -- \${=$(${NAMES})}
  else
    _files
  fi
}
# Autoloaded from $fpath, this file is _minic's body: complete now. Sourced, register it.
if [ "$funcstack[1]" = _minic ]; then
  _minic "$@"
else
  compdef _minic minic
fi
`;
}

function fish(commands: Completable[]): string {
  // Files stay completable (a --rootfs, a -v source, a build context): only the command and
  // container words say -f; a flag that takes a value says -r.
  const lines = [
    "# minic's completion for fish: minic completion fish | source",
    ...commands.map((c) => `complete -c minic -f -n __fish_use_subcommand -a ${c.name} -d ${quoted(c.description)}`),
    ...commands.flatMap((c) => c.flags.map((f) => `complete -c minic -n ${quoted(`__fish_seen_subcommand_from ${c.name}`)} -l ${f.long}${f.short ? ` -s ${f.short}` : ""}${f.takesValue ? " -r" : ""} -d ${quoted(f.description)}`)),
    `complete -c minic -f -n ${quoted(`__fish_seen_subcommand_from ${commands.filter((c) => c.containers).map((c) => c.name).join(" ")}`)} -a ${quoted(`(${NAMES} | string split ' ')`)}`,
  ];
  return `${lines.join("\n")}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

/** The completion script for `shell`. */
export async function completionScript(shell: string): Promise<string> {
  if (!Object.hasOwn(SHELLS, shell)) throw new MinicError(`no completion for shell "${shell}": bash, zsh or fish`);
  return SHELLS[shell as keyof typeof SHELLS](await completables());
}

const completionDefinition: CommandDef = commandDefinition("completion", {
  usage: "minic completion bash|zsh|fish",
  description: "Print the shell completion script for bash, zsh or fish: commands, flags and container names",
  flags: [HELP_FLAG],
  examples: ["source <(minic completion bash)", "minic completion zsh > \"${fpath[1]}/_minic\"", "minic completion fish | source"],
});

export const command: Command = {
  definition: completionDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, [HELP_FLAG], "completion");
    if (booleanFlag(flags, "help")) return printUsage(completionDefinition);
    const [shell, ...extra] = positionals;
    if (shell === undefined || extra.length > 0) throw new MinicError("completion needs one shell: bash, zsh or fish", undefined, "see 'minic completion --help'");
    writeStdout(await completionScript(shell));
    return 0;
  },
};
