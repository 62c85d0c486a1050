// runc's `run [--bundle DIR] [--detach] [--pid-file F] [--console-socket S] ID`.
import { booleanFlag, parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import { BUNDLE_FLAGS, bundleOptions, preserveFds, type OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [
  { name: "bundle", short: "b", kind: "string", valueHint: "DIR", description: "The bundle (default: the current directory)" },
  { name: "detach", short: "d", kind: "boolean", description: "Return once the process runs" },
  { name: "pid-file", kind: "string", valueHint: "FILE", description: "Write the container's init pid here" },
  { name: "preserve-fds", kind: "string", valueHint: "N", description: "Pass this command's fds 3 .. 3+N-1 on to the process" },
  { name: "console-socket", kind: "string", valueHint: "SOCKET", description: "A unix socket to send the terminal master to" },
  ...BUNDLE_FLAGS,
];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "run");
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new MinicError("run needs exactly one container id");
    const { runBundle } = await import("../../container/run-bundle.ts");
    return runBundle(stringFlag(flags, "bundle") ?? ".", id, {
      pidFile: stringFlag(flags, "pid-file"),
      consoleSocket: stringFlag(flags, "console-socket"),
      detach: booleanFlag(flags, "detach"),
      preserveFds: preserveFds(flags),
    }, bundleOptions(flags));
  },
};
