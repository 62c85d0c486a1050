// `minic network create|ls|inspect|rm`: user networks (CNI conflists in minic's own directory).
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, listFlag, parseCommandLine, type FlagSpec } from "./argv.ts";
import { checkAlias } from "./run.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";
import { writeStdout } from "../output.ts";

const CREATE_FLAGS: FlagSpec[] = [
  { name: "subnet", kind: "list", valueHint: "CIDR", description: "Its IPv4 subnet (default: the first free /24 from 10.90.0.0), and/or its IPv6 one (implies --ipv6)" },
  { name: "gateway", kind: "list", valueHint: "IP", description: "Its gateway in a --subnet, the host's address on it (default: the subnet's first), one per family" },
  { name: "ipv6", kind: "boolean", description: "IPv6 as well (default subnet: a unique local /64 from fd00::/8)" },
  { name: "internal", kind: "boolean", description: "No route or NAT to the outside" },
  HELP_FLAG,
];

const CONNECT_FLAGS: FlagSpec[] = [
  { name: "alias", kind: "list", valueHint: "NAME", description: "Another name the container has on that network (repeatable; user networks)" },
  HELP_FLAG,
];

const networkDefinition: CommandDef = commandDefinition("network", {
  usage: "minic network COMMAND [OPTIONS] [ARG...]",
  description: "Manage user networks: bridges of their own where containers reach each other by name (root only)",
  commands: {
    title: "Commands",
    rows: [
      ["create [OPTIONS] NETWORK", "Create a network (--subnet, --gateway, --ipv6, --internal)"],
      ["ls", "List networks"],
      ["inspect NETWORK...", "Show networks as JSON, with their containers"],
      ["rm NETWORK...", "Remove networks no container is on"],
      ["connect [OPTIONS] NETWORK CONTAINER", "Connect a container to a further network (--alias)"],
      ["disconnect NETWORK CONTAINER", "Disconnect a container from a network connected later"],
    ],
  },
  flags: [...CREATE_FLAGS.filter((flag) => flag !== HELP_FLAG), ...CONNECT_FLAGS],
  examples: ["minic network create --subnet 10.90.5.0/24 backend", "minic run -d --name db --network backend --rootfs ./rootfs sleep 1d", "minic network connect --alias api backend web", "minic network ls"],
}, { command: { type: "positional", required: true, description: "create, ls, inspect, rm, connect or disconnect, then its arguments" } });

export const command: Command = {
  definition: networkDefinition,
  async handle(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h") return printUsage(networkDefinition);
    const network = await import("../container/networks.ts");
    if (sub === "create") {
      const { flags, positionals } = parseCommandLine(rest, CREATE_FLAGS, "network create");
      if (booleanFlag(flags, "help")) return printUsage(networkDefinition);
      const [name, ...extra] = positionals;
      if (name === undefined || extra.length > 0) throw new MinicError("network create needs exactly one name", undefined, "see 'minic network --help'");
      return printLines([network.createUserNetwork(name, { subnets: listFlag(flags, "subnet"), gateways: listFlag(flags, "gateway"), ipv6: booleanFlag(flags, "ipv6"), internal: booleanFlag(flags, "internal") })]);
    }
    if (sub === "connect" || sub === "disconnect") {
      const { flags, positionals } = parseCommandLine(rest, sub === "connect" ? CONNECT_FLAGS : [HELP_FLAG], `network ${sub}`);
      if (booleanFlag(flags, "help")) return printUsage(networkDefinition);
      const [name, container, ...extra] = positionals;
      if (name === undefined || container === undefined || extra.length > 0) throw new MinicError(`network ${sub} needs a network and a container`, undefined, `minic network ${sub} NETWORK CONTAINER`);
      const { connectNetwork, disconnectNetwork } = await import("../container/connect.ts");
      if (sub === "connect") connectNetwork(name, container, listFlag(flags, "alias").map((alias) => checkAlias(alias, "--alias")));
      else disconnectNetwork(name, container);
      return 0;
    }
    const { flags, positionals } = parseCommandLine(rest, [HELP_FLAG], `network ${sub}`);
    if (booleanFlag(flags, "help")) return printUsage(networkDefinition);
    if (sub === "ls") return printLines(network.networkTable());
    if (sub === "inspect") {
      if (positionals.length === 0) throw new MinicError("network inspect needs at least one network name");
      writeStdout(`${JSON.stringify(network.inspectNetworks(positionals), null, 4)}\n`);
      return 0;
    }
    if (sub === "rm") {
      if (positionals.length === 0) throw new MinicError("network rm needs at least one network name");
      return printLines(network.removeUserNetworks(positionals));
    }
    throw new MinicError(`unknown network command "${sub}"`, undefined, "create, ls, inspect, rm, connect or disconnect");
  },
};
