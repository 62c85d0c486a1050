// `minic --version`, in runc's shape for both command lines (engines show and log it): the
// version, the commit, then the runtime spec it implements and the libseccomp it compiles
// profiles with; `minic version`, in docker version's.
import { libseccompVersion } from "../../native/libseccomp.ts";
import { OCI_VERSION } from "../spec/types.ts";
import type { CommandDef } from "citty";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { commandDefinition, HELP_FLAG, printUsage, VERSION, type Command } from "./command.ts";
import { buildInfo } from "./build-info.ts" with { type: "macro" };
import { writeStdout } from "../output.ts";

const BUILD = buildInfo();

export function versionText(): string {
  return `minic version ${VERSION}\ncommit: ${BUILD.commit}\nbuilt: ${BUILD.built}\nspec: ${OCI_VERSION}\nbun: ${Bun.version}\nlibseccomp: ${libseccompVersion() ?? "not found"}\n`;
}

/** docker version's block: the same facts, named as Docker names them. */
export function versionReport(): string {
  const rows: [string, string][] = [
    ["Version", VERSION],
    ["Git commit", BUILD.commit],
    ["Built", BUILD.built],
    ["Bun version", Bun.version],
    ["OS/Arch", `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`],
    ["OCI runtime spec", OCI_VERSION],
    ["libseccomp", libseccompVersion() ?? "not found"],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return `minic:\n${rows.map(([name, value]) => ` ${`${name}:`.padEnd(width)}${value}`).join("\n")}\n`;
}

const versionDefinition: CommandDef = commandDefinition("version", {
  usage: "minic version",
  description: "Show minic's version, the commit and date it was built from, and Bun's version",
  flags: [HELP_FLAG],
  examples: ["minic version", "minic --version"],
});

export const command: Command = {
  definition: versionDefinition,
  async handle(argv) {
    const { flags } = parseCommandLine(argv, [HELP_FLAG], "version");
    if (booleanFlag(flags, "help")) return printUsage(versionDefinition);
    writeStdout(versionReport());
    return 0;
  },
};
