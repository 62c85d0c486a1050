// `minic completion bash|zsh|fish`: shell completion generated from the same flag tables the
// parser reads: the commands, each command's flags, and container names (from `minic ps -a`)
// where a command takes containers, as Docker's completion offers them.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { commandDefinition, HELP_FLAG, printUsage, VERBS, type Command } from "./command.ts";
import { writeStdout } from "../output.ts";

/** Where a command's arguments are container names: none, every one, or only the one at an index (exec web CMD: 0). */
type ContainerArgs = "none" | "all" | number;

/** Docker's commands that take one container at a place, and something else or nothing around it. */
const ONE_CONTAINER_AT: Record<string, number> = { exec: 0, logs: 0, top: 0, port: 0, attach: 0, "network connect": 1, "network disconnect": 1 };

interface Completable {
  /** `run`, or `network create` for a command of commands. */
  name: string;
  description: string;
  /** --long and -s forms, and whether a value follows. */
  flags: { long: string; short?: string; description: string; takesValue: boolean }[];
  containers: ContainerArgs;
}

/** Global options, before the command. */
const GLOBAL_FLAGS = ["--debug", "--version", "--help", "-v", "-h"];

function completableOf(name: string, definition: CommandDef): Completable {
  const args = (definition.args ?? {}) as Record<string, { type?: string; alias?: string | string[]; description?: string }>;
  const meta = definition.meta as { description?: string } | undefined;
  const flags = Object.entries(args)
    .filter(([, arg]) => arg.type !== "positional")
    .map(([long, arg]) => ({ long, short: typeof arg.alias === "string" ? arg.alias : undefined, description: arg.description ?? "", takesValue: arg.type === "string" }));
  const containers: ContainerArgs = !("container" in args) ? "none" : ONE_CONTAINER_AT[name] ?? "all";
  return { name, description: meta?.description ?? "", flags, containers };
}

/** Every command, and after it each one's subcommands (`network create`, ...). */
async function completables(): Promise<{ commands: Completable[]; subcommands: Map<string, Completable[]> }> {
  const loaded = await Promise.all(Object.entries(VERBS).map(async ([name, load]) => [name, await load()] as const));
  const commands = loaded.map(([name, command]) => completableOf(name, command.definition));
  const subcommands = new Map(loaded.filter(([, command]) => command.subcommands !== undefined).map(([name, command]) => [
    name,
    Object.entries(command.subcommands ?? {}).map(([sub, definition]) => completableOf(`${name} ${sub}`, definition)),
  ]));
  return { commands, subcommands };
}

/** Every container's name and short id, words on one line each, as Docker completes both. */
const NAMES = "minic ps -a --format '{{.Names}} {{.ID}}' 2>/dev/null";

function quoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

const flagWords = (c: Completable): string => c.flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]).join(" ");
const valuedWords = (c: Completable): string => c.flags.filter((f) => f.takesValue).flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]).join(" ");
const leafCommands = (all: { commands: Completable[]; subcommands: Map<string, Completable[]> }): Completable[] => [
  ...all.commands.filter((c) => !all.subcommands.has(c.name)),
  ...[...all.subcommands.values()].flat(),
];

function bash(all: { commands: Completable[]; subcommands: Map<string, Completable[]> }): string {
  const names = all.commands.map((c) => c.name).join(" ");
  const cases = leafCommands(all).map((c) => `    ${quoted(c.name)}) flags=${quoted(flagWords(c))}; valued=${quoted(valuedWords(c))}; containers=${c.containers} ;;`);
  const groups = [...all.subcommands].map(([name, subs]) => `  if [ "$cmd" = ${name} ]; then
    if [ "$COMP_CWORD" -eq $((ci + 1)) ]; then
      COMPREPLY=($(compgen -W ${quoted(subs.map((sub) => sub.name.slice(name.length + 1)).join(" "))} -- "$cur"))
      return
    fi
    ci=$((ci + 1)); cmd="${name} \${COMP_WORDS[ci]}"
  fi`);
  return `# minic's completion for bash: source <(minic completion bash)
_minic() {
  local cur=\${COMP_WORDS[COMP_CWORD]} ci=1 cmd flags="" valued="" containers=none n=0 i w
  # Global options come before the command.
  while [ "$ci" -lt "$COMP_CWORD" ] && [[ \${COMP_WORDS[ci]} == -* ]]; do ci=$((ci + 1)); done
  if [ "$COMP_CWORD" -eq "$ci" ]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W ${quoted(GLOBAL_FLAGS.join(" "))} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${quoted(`${names} help`)} -- "$cur"))
    fi
    return
  fi
  cmd=\${COMP_WORDS[ci]}
  if [ "$cmd" = help ]; then
    [ "$COMP_CWORD" -eq $((ci + 1)) ] && COMPREPLY=($(compgen -W ${quoted(names)} -- "$cur"))
    return
  fi
${groups.join("\n")}
  case "$cmd" in
${cases.join("\n")}
  esac
  # The arguments before the cursor, less flags and their values.
  for ((i = ci + 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if [[ "$w" == -* ]]; then
      [[ " $valued " == *" $w "* ]] && i=$((i + 1))
    else
      n=$((n + 1))
    fi
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$containers" = all ] || [ "$containers" = "$n" ]; then
    COMPREPLY=($(compgen -W "$(${NAMES})" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _minic minic
`;
}

function zsh(all: { commands: Completable[]; subcommands: Map<string, Completable[]> }): string {
  const describe = (list: Completable[], strip: number): string => list.map((c) => quoted(`${c.name.slice(strip)}:${c.description.replace(/:/g, "\\:")}`)).join(" ");
  const cases = leafCommands(all).map((c) => `    ${quoted(c.name)}) flags=(${flagWords(c)}); valued=(${valuedWords(c)}); containers=${c.containers} ;;`);
  const groups = [...all.subcommands].map(([name, subs]) => `  if [[ $cmd == ${name} ]]; then
    if (( CURRENT == ci + 1 )); then
      subcommands=(${describe(subs, name.length + 1)})
      _describe 'command' subcommands
      return
    fi
    (( ci++ )); cmd="${name} $words[ci]"
  fi`);
  return `#compdef minic
# minic's completion for zsh: minic completion zsh > "\${fpath[1]}/_minic", or source <(minic completion zsh)
_minic() {
  local -a flags valued commands subcommands
  local containers=none ci=2 cmd n=0 i
  commands=(${describe(all.commands, 0)})
  # Global options come before the command.
  while (( ci < CURRENT )) && [[ $words[ci] == -* ]]; do (( ci++ )); done
  if (( CURRENT == ci )); then
    if [[ $PREFIX == -* ]]; then
      compadd -- ${GLOBAL_FLAGS.join(" ")}
    else
      _describe 'command' commands
    fi
    return
  fi
  cmd=$words[ci]
  if [[ $cmd == help ]]; then
    (( CURRENT == ci + 1 )) && _describe 'command' commands
    return
  fi
${groups.join("\n")}
  case $cmd in
${cases.join("\n")}
  esac
  # The arguments before the cursor, less flags and their values.
  for (( i = ci + 1; i < CURRENT; i++ )); do
    if [[ $words[i] == -* ]]; then
      (( \${valued[(Ie)$words[i]]} )) && (( i++ ))
    else
      (( n++ ))
    fi
  done
  if [[ $PREFIX == -* ]]; then
    compadd -- $flags
  elif [[ $containers == all || $containers == $n ]]; then
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

function fish(all: { commands: Completable[]; subcommands: Map<string, Completable[]> }): string {
  const names = all.commands.map((c) => c.name).join(" ");
  // fish's own __fish_seen_subcommand_from takes any of its words anywhere: these follow the
  // command line's order instead. __minic_words: the words after minic and its global options.
  const helpers = `function __minic_words
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]; and string match -q -- '-*' $words[1]
        set -e words[1]
    end
    printf '%s\\n' $words
end
function __minic_command
    set -l words (__minic_words)
    test (count $words) -ge (count $argv); or return 1
    for i in (seq (count $argv))
        test "$words[$i]" = "$argv[$i]"; or return 1
    end
end
function __minic_argument --argument-names skip index
    set -l words (__minic_words)
    set -l valued $argv[3..-1]
    set -l n 0
    set -l i (math $skip + 1)
    while test $i -le (count $words)
        if string match -q -- '-*' $words[$i]
            contains -- $words[$i] $valued; and set i (math $i + 1)
        else
            set n (math $n + 1)
        end
        set i (math $i + 1)
    end
    test $n -eq $index
end`;
  const command = (c: Completable): string => `__minic_command ${c.name}`;
  const nameCondition = (c: Completable): string =>
    c.containers === "all" ? command(c) : `${command(c)}; and __minic_argument ${c.name.split(" ").length} ${c.containers} ${c.flags.filter((f) => f.takesValue).flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]).join(" ")}`.trimEnd();
  // Files stay completable (a --rootfs, a -v source, a build context): only the command and
  // container words say -f; a flag that takes a value says -r.
  const lines = [
    "# minic's completion for fish: minic completion fish | source",
    helpers,
    ...all.commands.map((c) => `complete -c minic -f -n __fish_use_subcommand -a ${c.name} -d ${quoted(c.description)}`),
    "complete -c minic -n __fish_use_subcommand -l debug -d 'Print debug messages and stack traces'",
    "complete -c minic -n __fish_use_subcommand -s v -l version -d 'Print the version'",
    `complete -c minic -f -n ${quoted("__minic_command help; and __minic_argument 1 0")} -a ${quoted(names)}`,
    ...[...all.subcommands].flatMap(([name, subs]) => subs.map((sub) => `complete -c minic -f -n ${quoted(`__minic_command ${name}; and __minic_argument 1 0`)} -a ${sub.name.slice(name.length + 1)} -d ${quoted(sub.description)}`)),
    ...leafCommands(all).flatMap((c) => c.flags.map((f) => `complete -c minic -n ${quoted(command(c))} -l ${f.long}${f.short ? ` -s ${f.short}` : ""}${f.takesValue ? " -r" : ""} -d ${quoted(f.description)}`)),
    ...leafCommands(all).filter((c) => c.containers !== "none").map((c) => `complete -c minic -f -n ${quoted(nameCondition(c))} -a ${quoted(`(${NAMES} | string split ' ')`)}`),
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
