// runc's `features`: what this runtime implements, in the runtime spec's features.md shape, for
// engines that ask before they choose options.
import { CAPABILITIES } from "../../plan/linux.ts";
import { SECCOMP_ACTIONS, SECCOMP_ARCHITECTURES, SECCOMP_COMPARISONS } from "../../seccomp/names.ts";
import { OCI_VERSION } from "../../spec/types.ts";
import { MOUNT_OPTION_NAMES } from "../../spec/mount-options.ts";
import { VERSION } from "../command.ts";
import type { OciVerb } from "./main.ts";
import { writeStdout } from "../../output.ts";

export const verb: OciVerb = {
  async run() {
    const features = {
      ociVersionMin: "1.0.0",
      ociVersionMax: OCI_VERSION,
      hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
      mountOptions: MOUNT_OPTION_NAMES,
      linux: {
        namespaces: ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"],
        capabilities: Object.keys(CAPABILITIES),
        cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
        seccomp: {
          enabled: true,
          actions: Object.keys(SECCOMP_ACTIONS),
          operators: Object.keys(SECCOMP_COMPARISONS),
          archs: Object.keys(SECCOMP_ARCHITECTURES),
        },
        apparmor: { enabled: false },
        selinux: { enabled: false },
      },
      annotations: { "org.minic.version": VERSION },
    };
    writeStdout(`${JSON.stringify(features, null, 2)}\n`);
    return 0;
  },
};
