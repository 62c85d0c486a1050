// `minic create`: `run`'s flags; the container is set up and parked until `minic start`.
import type { CommandDef } from "citty";
import { type Command, commandDefinition, printUsage } from "./command.ts";
import { COMMON_ENVIRONMENT, RUN_EXIT_CODES } from "./help.ts";
import { parseRunArgs, printPlan, RUN_FLAGS } from "./run.ts";
import { writeStdout } from "../output.ts";

const createDefinition: CommandDef = commandDefinition("create", {
  usage: "minic create [OPTIONS] [COMMAND [ARG...]]",
  description: "Create a container, set up and parked before its command runs; `minic start` runs it",
  // run's flags but -d (a created container runs detached once started: -d is refused by name).
  flags: RUN_FLAGS.filter((flag) => flag.name !== "detach"),
  examples: ["minic create --name job --rootfs ./rootfs sh -c 'echo done'", "minic start -a job"],
  environment: COMMON_ENVIRONMENT,
  exitCodes: RUN_EXIT_CODES,
}, {
    command: { type: "positional", required: false, description: "Command to run as PID 1 (default /bin/sh), followed by its arguments" },
  });

export const command: Command = {
  definition: createDefinition,
  async handle(argv) {
    const { help, options } = parseRunArgs(argv, "create");
    if (help) return printUsage(createDefinition);
    const { createContainer, refuseAttachedFlags } = await import("../container/create.ts");
    if (options.dryRun) {
      refuseAttachedFlags(options);
      return printPlan(options);
    }
    try {
      writeStdout(`${await createContainer(options)}\n`);
    } catch (error) {
      const { withImageHint } = await import("../container/setup-error.ts");
      throw withImageHint(error);
    }
    return 0;
  },
};
