// `minic port CONTAINER [PORT[/PROTO]]`: the container's published ports.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, parseCommandLine } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";

const portDefinition: CommandDef = commandDefinition("port", {
  usage: "minic port CONTAINER [PORT[/PROTO]]",
  description: "List a container's published ports (PORT/PROTO -> HOSTIP:HOSTPORT)",
  flags: [HELP_FLAG],
  examples: ["minic port web", "minic port web 80/tcp"],
}, {
    container: { type: "positional", required: true, description: "A container name or id" },
    port: { type: "positional", required: false, description: "Only this container port (PORT or PORT/PROTO)" },
  });

export const command: Command = {
  definition: portDefinition,
  async handle(argv) {
    const { flags, positionals } = parseCommandLine(argv, [HELP_FLAG], "port");
    if (booleanFlag(flags, "help")) return printUsage(portDefinition);
    const [ref, only, ...extra] = positionals;
    if (ref === undefined || extra.length > 0) throw new MinicError("port needs a container and at most one port", undefined, "see 'minic port --help'");
    const { containerPorts } = await import("../container/network.ts");
    const { portLine } = await import("../spec/ports.ts");
    const [port, protocol = "tcp"] = (only ?? "").split("/");
    const ports = containerPorts(ref).filter((mapping) => only === undefined || (String(mapping.containerPort) === port && mapping.protocol === protocol));
    if (only !== undefined && ports.length === 0) throw new MinicError(`no public port ${port}/${protocol} published for container ${ref}`);
    return printLines(only === undefined ? ports.map(portLine) : ports.map((mapping) => `${mapping.hostIP || "0.0.0.0"}:${mapping.hostPort}`));
  },
};
