// `minic build`: its flags and the verb.
import type { CommandDef } from "citty";
import { DEFAULT_DOCKERFILE, DEFAULT_OUTPUT, type BuildOptions } from "../image/build.ts";
import { MinicError } from "../errors.ts";
import { booleanFlag, listFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, printUsage } from "./command.ts";
import { COMMON_ENVIRONMENT } from "./help.ts";
import { writeStdout } from "../output.ts";

export const BUILD_FLAGS: FlagSpec[] = [
  { name: "file", short: "f", kind: "string", valueHint: "FILE", description: `The Dockerfile, relative to here (default: ${DEFAULT_DOCKERFILE} in the context, else its Dockerfile)` },
  { name: "output", short: "o", kind: "string", valueHint: "DIR", description: `Where the root filesystem goes (default ${DEFAULT_OUTPUT}); replaced only when the build succeeds` },
  { name: "tag", short: "t", kind: "string", valueHint: "NAME[:TAG]", description: "Also tag the built image" },
  { name: "build-arg", kind: "list", valueHint: "K=V", description: "Set a build-time variable; K alone copies it from your environment (repeatable)" },
  { name: "network", kind: "string", valueHint: "MODE", description: "Network for RUN steps (default, host, none)" },
  { name: "target", kind: "string", valueHint: "STAGE", description: "Build up to this stage of a multi-stage Dockerfile" },
  { name: "no-cache", kind: "boolean", description: "Run every step again instead of using the engine's cache" },
  { name: "pull", kind: "boolean", description: "Pull newer versions of the base images first" },
  { name: "label", kind: "list", valueHint: "K=V", description: "Set a label on the image (kept in the rootfs's record; run applies it) (repeatable)" },
  { name: "quiet", short: "q", kind: "boolean", description: "Print only errors (a failing step's output included), and the image's id on stdout" },
  { name: "force", kind: "boolean", description: "Replace DIR even if minic build did not make it" },
  { name: "help", short: "h", kind: "boolean", description: "Show this help" },
];

export interface BuildRequest {
  help: boolean;
  options: BuildOptions;
}

export function parseBuildArgs(argv: string[]): BuildRequest {
  const { flags, positionals } = parseCommandLine(argv, BUILD_FLAGS, "build");
  if (positionals.length > 1) {
    throw new MinicError(`build takes one context directory, got ${positionals.length}: ${positionals.join(" ")}`, undefined, "see 'minic build --help'");
  }
  return {
    help: booleanFlag(flags, "help"),
    options: {
      file: stringFlag(flags, "file"),
      context: positionals[0] ?? ".",
      output: stringFlag(flags, "output") ?? DEFAULT_OUTPUT,
      tag: stringFlag(flags, "tag"),
      buildArgs: listFlag(flags, "build-arg"),
      network: stringFlag(flags, "network"),
      target: stringFlag(flags, "target"),
      noCache: booleanFlag(flags, "no-cache"),
      pull: booleanFlag(flags, "pull"),
      labels: listFlag(flags, "label"),
      quiet: booleanFlag(flags, "quiet"),
      force: booleanFlag(flags, "force"),
    },
  };
}

const buildDefinition: CommandDef = commandDefinition("build", {
  usage: "minic build [OPTIONS] [CONTEXT]",
  description: "Build a root filesystem from a Dockerfile with a Docker engine",
  flags: BUILD_FLAGS,
  examples: ["minic build -o ./rootfs .", "minic build -f Dockerfile -t app:dev --build-arg VERSION=2 -o ./rootfs ctx", "minic build -q -o ./rootfs ."],
  environment: [["DOCKER_HOST", "the Docker engine to build with (default unix:///var/run/docker.sock)"], ...COMMON_ENVIRONMENT],
}, {
    context: { type: "positional", required: false, description: "The build context directory (default .)" },
  });

export const command: Command = {
  definition: buildDefinition,
  async handle(argv) {
    const { help, options } = parseBuildArgs(argv);
    if (help) return printUsage(buildDefinition);
    const { buildRootfs } = await import("../image/build.ts");
    const image = await buildRootfs(options);
    if (options.quiet) writeStdout(`${image}\n`);
    return 0;
  },
};
