// runc's `exec [--process FILE] [--detach] [--pid-file F] [--tty --console-socket S] [--cwd D]
// [--env K=V] [--user UID[:GID]] [--cap CAP] [--no-new-privs] ID [COMMAND...]`.
import { booleanFlag, listFlag, parseCommandLine, stringFlag, type FlagSpec } from "../argv.ts";
import { MinicError } from "../../errors.ts";
import { preserveFds, type OciVerb } from "./main.ts";

const FLAGS: FlagSpec[] = [
  { name: "process", short: "p", kind: "string", valueHint: "FILE", description: "The process, as OCI's process object in JSON" },
  { name: "detach", short: "d", kind: "boolean", description: "Return once the process runs; it outlives this command" },
  { name: "pid-file", kind: "string", valueHint: "FILE", description: "Write the process's pid here" },
  { name: "tty", short: "t", kind: "boolean", description: "Give the process a terminal (with --console-socket)" },
  { name: "preserve-fds", kind: "string", valueHint: "N", description: "Pass this command's fds 3 .. 3+N-1 on to the process" },
  { name: "console-socket", kind: "string", valueHint: "SOCKET", description: "A unix socket to send the terminal master to" },
  { name: "cwd", kind: "string", valueHint: "DIR", description: "Working directory" },
  { name: "env", short: "e", kind: "list", valueHint: "K=V", description: "An environment variable (repeatable)" },
  { name: "user", short: "u", kind: "string", valueHint: "UID[:GID]", description: "Numeric user and group" },
  { name: "additional-gids", short: "g", kind: "list", valueHint: "GID", description: "A supplementary group (repeatable)" },
  { name: "cap", short: "c", kind: "list", valueHint: "CAP", description: "Add a capability (repeatable)" },
  { name: "no-new-privs", kind: "boolean", description: "Set no_new_privs" },
];

export const verb: OciVerb = {
  async run(argv) {
    const { flags, positionals } = parseCommandLine(argv, FLAGS, "exec");
    const [id, ...command] = positionals;
    if (id === undefined) throw new MinicError("exec needs a container id");
    const processFile = stringFlag(flags, "process");
    const { checkedProcess, execProcess, readProcessFile } = await import("../../container/exec-process.ts");
    let process;
    if (processFile !== null) {
      if (command.length > 0) throw new MinicError("exec takes either --process or a command, not both");
      process = readProcessFile(processFile, id);
    } else {
      if (command.length === 0) throw new MinicError("exec needs --process or a command");
      const [uid = "0", gid = "0"] = (stringFlag(flags, "user") ?? "0:0").split(":");
      if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) throw new MinicError(`invalid --user "${stringFlag(flags, "user")}": expected UID[:GID] as numbers`);
      const caps = listFlag(flags, "cap").map((cap) => (cap.toUpperCase().startsWith("CAP_") ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`));
      const { containerById } = await import("../../container/state.ts");
      const { readSpec, stateRoot } = await import("../../state/store.ts");
      const init = (readSpec(stateRoot(), containerById(id).id) as { process: { env?: string[]; cwd: string; capabilities?: Record<string, string[]> } }).process;
      const withCaps = (set: string[] | undefined) => [...new Set([...(set ?? []), ...caps])];
      process = checkedProcess(id, {
        terminal: booleanFlag(flags, "tty"),
        args: command,
        env: [...(init.env ?? []), ...listFlag(flags, "env")],
        cwd: stringFlag(flags, "cwd") ?? init.cwd,
        user: { uid: Number(uid), gid: Number(gid), additionalGids: listFlag(flags, "additional-gids").map(Number) },
        capabilities: {
          bounding: withCaps(init.capabilities?.bounding),
          effective: withCaps(init.capabilities?.effective),
          permitted: withCaps(init.capabilities?.permitted),
          inheritable: init.capabilities?.inheritable ?? [],
          ambient: init.capabilities?.ambient ?? [],
        },
        ...(booleanFlag(flags, "no-new-privs") ? { noNewPrivileges: true } : {}),
      });
    }
    return execProcess(id, process, { detach: booleanFlag(flags, "detach"), pidFile: stringFlag(flags, "pid-file"), consoleSocket: stringFlag(flags, "console-socket"), preserveFds: preserveFds(flags) });
  },
};
