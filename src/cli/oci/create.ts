// runc's `create [--bundle DIR] [--pid-file FILE] ID`: the container set up from the bundle's
// config.json and parked before its process runs; its stdio is this command's.
import { parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import { BUNDLE_FLAGS, bundleOptions, preserveFds, type OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [
  { name: "bundle", short: "b", kind: "string", valueHint: "DIR", description: "The bundle: config.json and the root it names (default: the current directory)" },
  { name: "pid-file", kind: "string", valueHint: "FILE", description: "Write the container's init pid here" },
  { name: "preserve-fds", kind: "string", valueHint: "N", description: "Pass this command's fds 3 .. 3+N-1 on to the process" },
  { name: "console-socket", kind: "string", valueHint: "SOCKET", description: "A unix socket to send the container's terminal master to (process.terminal)" },
  ...BUNDLE_FLAGS,
];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "create");
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("create needs exactly one container id");
    const { prepareBundle } = await import("../../container/bundle.ts");
    const { createPrepared } = await import("../../container/create.ts");
    await createPrepared(prepareBundle(stringFlag(flags, "bundle") ?? ".", id, bundleOptions(flags)), { pidFile: stringFlag(flags, "pid-file"), consoleSocket: stringFlag(flags, "console-socket"), preserveFds: preserveFds(flags) });
    return 0;
  },
};
