// Docker's --security-opt values that minic honours: seccomp=unconfined|PROFILE.json and
// no-new-privileges[=true|false] (also spelled no-new-privileges:true, Docker's older form).
import { MinicError } from "../errors.ts";

export interface SecurityOptions {
  /** null: minic's default profile; "unconfined": no filter; else a profile file. */
  seccomp: string | null;
  noNewPrivileges: boolean;
}

export function parseSecurityOpts(values: string[]): SecurityOptions {
  const options: SecurityOptions = { seccomp: null, noNewPrivileges: false };
  for (const value of values) {
    const [key = "", ...rest] = value.split(/[=:]/);
    const argument = value.slice(key.length + 1);
    if (key === "seccomp" && rest.length > 0 && argument !== "") {
      options.seccomp = argument;
    } else if (key === "no-new-privileges" && (rest.length === 0 || argument === "true" || argument === "false")) {
      options.noNewPrivileges = rest.length === 0 || argument === "true";
    } else {
      throw new MinicError(`invalid --security-opt "${value}": minic knows seccomp=unconfined|PROFILE.json and no-new-privileges[=true|false]`);
    }
  }
  return options;
}
