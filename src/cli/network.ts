// `minic network create|ls|inspect|rm|connect|disconnect`: user networks (CNI conflists in
// minic's own directory). Each subcommand has its own definition and help page; citty finds the
// subcommand in the arguments and runs it.
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, listFlag, parseCommandLine, type FlagSpec, type FlagValues } from "./argv.ts";
import { checkAlias } from "./run.ts";
import { type Command, commandDefinition, HELP_FLAG, printLines, printUsage } from "./command.ts";
import { nearest } from "./suggest.ts";
import { writeStdout } from "../output.ts";

interface Subcommand {
  definition: CommandDef;
  flags: FlagSpec[];
  run(flags: FlagValues, positionals: string[]): Promise<number>;
}

const networks = () => import("../container/networks.ts");

function subcommand(name: string, page: { usage: string; description: string; flags?: FlagSpec[]; examples: string[] }, positionals: CommandDef["args"], run: Subcommand["run"]): Subcommand {
  const flags = [...(page.flags ?? []), HELP_FLAG];
  return { definition: commandDefinition(`network ${name}`, { ...page, flags }, positionals as Record<string, never>), flags, run };
}

const NETWORK = { network: { type: "positional", required: false, description: "A network's name" } } as const;
const CONTAINER = { container: { type: "positional", required: false, description: "A container's name or id" } } as const;

/** `minic network COMMAND --help` for a missing or extra argument. */
const seeHelp = (name: string): string => `see 'minic network ${name} --help'`;

export const NETWORK_SUBCOMMANDS: Record<string, Subcommand> = {
  create: subcommand("create", {
    usage: "minic network create [OPTIONS] NETWORK",
    description: "Create a network: a bridge of its own with a subnet, NAT to the outside, and names",
    flags: [
      { name: "subnet", kind: "list", valueHint: "CIDR", description: "Its IPv4 subnet (default: the first free /24 from 10.90.0.0), and/or its IPv6 one (implies --ipv6)" },
      { name: "gateway", kind: "list", valueHint: "IP", description: "Its gateway in a --subnet, the host's address on it (default: the subnet's first), one per family" },
      { name: "ipv6", kind: "boolean", description: "IPv6 as well (default subnet: a unique local /64 from fd00::/8)" },
      { name: "internal", kind: "boolean", description: "No route or NAT to the outside" },
    ],
    examples: ["minic network create backend", "minic network create --subnet 10.90.5.0/24 --gateway 10.90.5.1 backend", "minic network create --ipv6 --internal lab"],
  }, NETWORK, async (flags, positionals) => {
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new MinicError("network create needs exactly one name", undefined, seeHelp("create"));
    const { createUserNetwork } = await networks();
    return printLines([createUserNetwork(name, { subnets: listFlag(flags, "subnet"), gateways: listFlag(flags, "gateway"), ipv6: booleanFlag(flags, "ipv6"), internal: booleanFlag(flags, "internal") })]);
  }),
  ls: subcommand("ls", {
    usage: "minic network ls",
    description: "List networks: the default bridge and those made with minic network create",
    examples: ["minic network ls"],
  }, {}, async (_flags, positionals) => {
    if (positionals.length > 0) throw new MinicError("network ls takes no arguments", undefined, seeHelp("ls"));
    return printLines((await networks()).networkTable());
  }),
  inspect: subcommand("inspect", {
    usage: "minic network inspect NETWORK [NETWORK...]",
    description: "Show networks as JSON, with the containers on them",
    examples: ["minic network inspect backend"],
  }, NETWORK, async (_flags, positionals) => {
    if (positionals.length === 0) throw new MinicError("network inspect needs at least one network name", undefined, seeHelp("inspect"));
    writeStdout(`${JSON.stringify((await networks()).inspectNetworks(positionals), null, 4)}\n`);
    return 0;
  }),
  rm: subcommand("rm", {
    usage: "minic network rm NETWORK [NETWORK...]",
    description: "Remove networks no container is on: their configuration, bridge and leases",
    examples: ["minic network rm backend"],
  }, NETWORK, async (_flags, positionals) => {
    if (positionals.length === 0) throw new MinicError("network rm needs at least one network name", undefined, seeHelp("rm"));
    return printLines((await networks()).removeUserNetworks(positionals));
  }),
  connect: subcommand("connect", {
    usage: "minic network connect [OPTIONS] NETWORK CONTAINER",
    description: "Connect a container to a further network (eth1, eth2, ...), at once if it runs",
    flags: [{ name: "alias", kind: "list", valueHint: "NAME", description: "Another name the container has on that network (repeatable; user networks)" }],
    examples: ["minic network connect backend web", "minic network connect --alias api backend web"],
  }, { ...NETWORK, ...CONTAINER }, async (flags, positionals) => {
    const [name, container, ...extra] = positionals;
    if (name === undefined || container === undefined || extra.length > 0) throw new MinicError("network connect needs a network and a container", undefined, seeHelp("connect"));
    const { connectNetwork } = await import("../container/connect.ts");
    connectNetwork(name, container, listFlag(flags, "alias").map((alias) => checkAlias(alias, "--alias")));
    return 0;
  }),
  disconnect: subcommand("disconnect", {
    usage: "minic network disconnect NETWORK CONTAINER",
    description: "Disconnect a container from a network it was connected to later",
    examples: ["minic network disconnect backend web"],
  }, { ...NETWORK, ...CONTAINER }, async (_flags, positionals) => {
    const [name, container, ...extra] = positionals;
    if (name === undefined || container === undefined || extra.length > 0) throw new MinicError("network disconnect needs a network and a container", undefined, seeHelp("disconnect"));
    const { disconnectNetwork } = await import("../container/connect.ts");
    disconnectNetwork(name, container);
    return 0;
  }),
};

const networkDefinition: CommandDef = commandDefinition("network", {
  usage: "minic network COMMAND",
  description: "Manage user networks: bridges of their own where containers reach each other by name (root only)",
  commands: {
    title: "Commands",
    rows: Object.entries(NETWORK_SUBCOMMANDS).map(([name, sub]) => [name, String((sub.definition.meta as { description?: string } | undefined)?.description ?? "")]),
  },
  flags: [HELP_FLAG],
  examples: ["minic network create --subnet 10.90.5.0/24 backend", "minic run -d --name db --network backend --rootfs ./rootfs sleep 1d", "minic network connect --alias api backend web", "minic network ls"],
}, { command: { type: "positional", required: false, description: "create, ls, inspect, rm, connect or disconnect, then its arguments" } });

export const command: Command = {
  definition: networkDefinition,
  subcommands: Object.fromEntries(Object.entries(NETWORK_SUBCOMMANDS).map(([name, sub]) => [name, sub.definition])),
  async handle(argv) {
    const [name] = argv;
    if (name === undefined || name === "--help" || name === "-h") return printUsage(networkDefinition);
    if (!Object.hasOwn(NETWORK_SUBCOMMANDS, name)) {
      const near = nearest(name, Object.keys(NETWORK_SUBCOMMANDS));
      throw new MinicError(`unknown network command "${name}"`, undefined, near !== null ? `did you mean "${near}"? see 'minic network --help'` : "see 'minic network --help'");
    }
    // citty finds the subcommand and runs it with what follows; the flags are Docker's (argv.ts).
    const { runCommand } = await import("citty");
    let code = 0;
    const subCommands = Object.fromEntries(Object.entries(NETWORK_SUBCOMMANDS).map(([subName, sub]): [string, CommandDef] => [subName, {
      meta: sub.definition.meta,
      async run({ rawArgs }) {
        const { flags, positionals } = parseCommandLine(rawArgs, sub.flags, `network ${subName}`);
        code = booleanFlag(flags, "help") ? await printUsage(sub.definition) : await sub.run(flags, positionals);
      },
    }]));
    await runCommand({ meta: networkDefinition.meta, subCommands }, { rawArgs: argv });
    return code;
  },
};
