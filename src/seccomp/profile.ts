// A seccomp profile in Docker's format (minic's default, or --security-opt seccomp=FILE) resolved
// for one container into OCI linux.seccomp, as Docker's daemon does: rules whose `includes` the
// container does not meet (capabilities, architecture, kernel) or whose `excludes` it does are
// left out, and the architecture map gives the ABIs this machine runs.
import { MinicError } from "../errors.ts";
import { nativeArchitecture, SECCOMP_ACTIONS, SECCOMP_ARCHITECTURES, SECCOMP_COMPARISONS, type SeccompAction, type SeccompComparison } from "./names.ts";
import type { Seccomp, SeccompArg, SeccompRule } from "./types.ts";

/** What the rules' conditions are checked against. */
export interface SeccompHost {
  /** The container's capabilities, CAP_ names. */
  capabilities: string[];
  /** process.arch: x64, arm64. */
  arch: string;
  /** os.release(): 6.18.44-... */
  kernel: string;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function seccompFromProfile(profile: Json, host: SeccompHost, source: string): Seccomp {
  const fail = (problem: string): never => {
    throw new MinicError(`seccomp profile ${source}: ${problem}`);
  };
  const object = (value: Json, where: string, keys: string[]): Record<string, Json> => {
    if (!isObject(value)) return fail(`${where} must be an object`);
    for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${where}.${key} is not supported by minic`);
    return value;
  };
  const strings = (value: Json, where: string): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) return fail(`${where} must be an array of strings`);
    return value as string[];
  };
  const whole = (value: Json, where: string): number => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) return fail(`${where} must be a whole number`);
    return value;
  };
  const action = (value: Json, where: string): SeccompAction => {
    if (typeof value !== "string" || !Object.hasOwn(SECCOMP_ACTIONS, value)) return fail(`${where} names an unknown action ${JSON.stringify(value)}`);
    return value as SeccompAction;
  };
  const architecture = (value: Json, where: string): string => {
    if (typeof value !== "string" || !Object.hasOwn(SECCOMP_ARCHITECTURES, value)) return fail(`${where} names an unknown architecture ${JSON.stringify(value)}`);
    return value;
  };

  const top = object(profile, "the profile", ["comment", "defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls"]);
  const native = nativeArchitecture(host.arch);
  const defaultAction = action(top.defaultAction, "defaultAction");
  const defaultErrnoRet = top.defaultErrnoRet === undefined ? undefined : whole(top.defaultErrnoRet, "defaultErrnoRet");

  let architectures = strings(top.architectures, "architectures").map((name, i) => architecture(name, `architectures[${i}]`));
  if (top.archMap !== undefined && top.archMap !== null) {
    if (!Array.isArray(top.archMap)) return fail("archMap must be an array");
    architectures = [];
    top.archMap.forEach((item, i) => {
      const entry = object(item, `archMap[${i}]`, ["architecture", "subArchitectures"]);
      const main = architecture(entry.architecture, `archMap[${i}].architecture`);
      const subs = strings(entry.subArchitectures, `archMap[${i}].subArchitectures`).map((name, j) => architecture(name, `archMap[${i}].subArchitectures[${j}]`));
      if (main === native.oci) architectures = [main, ...subs];
    });
  }

  const syscalls: SeccompRule[] = [];
  const entries = top.syscalls ?? [];
  if (!Array.isArray(entries)) return fail("syscalls must be an array");
  entries.forEach((item, i) => {
    const where = `syscalls[${i}]`;
    const entry = object(item, where, ["comment", "name", "names", "action", "errnoRet", "args", "includes", "excludes"]);
    const names = [...strings(entry.names, `${where}.names`), ...(entry.name === undefined ? [] : strings([entry.name], `${where}.name`))];
    if (names.length === 0) fail(`${where} names no system call`);
    const ruleAction = action(entry.action, `${where}.action`);
    const errnoRet = entry.errnoRet === undefined ? undefined : whole(entry.errnoRet, `${where}.errnoRet`);
    const args = entry.args === undefined || entry.args === null ? [] : (() => {
      if (!Array.isArray(entry.args)) return fail(`${where}.args must be an array`);
      return entry.args.map((arg, j): SeccompArg => {
        const at = `${where}.args[${j}]`;
        const fields = object(arg, at, ["index", "value", "valueTwo", "op"]);
        const op = fields.op;
        if (typeof op !== "string" || !Object.hasOwn(SECCOMP_COMPARISONS, op)) return fail(`${at}.op names an unknown comparison ${JSON.stringify(op)}`);
        const index = whole(fields.index, `${at}.index`);
        if (index > 5) fail(`${at}.index must be 0 to 5`);
        return {
          index,
          value: whole(fields.value, `${at}.value`),
          ...(fields.valueTwo !== undefined && fields.valueTwo !== 0 ? { valueTwo: whole(fields.valueTwo, `${at}.valueTwo`) } : {}),
          op: op as SeccompComparison,
        };
      });
    })();
    const includes = object(entry.includes ?? {}, `${where}.includes`, ["caps", "arches", "minKernel"]);
    const excludes = object(entry.excludes ?? {}, `${where}.excludes`, ["caps", "arches", "minKernel"]);
    const caps = new Set(host.capabilities);
    const includedCaps = strings(includes.caps, `${where}.includes.caps`);
    const includedArches = strings(includes.arches, `${where}.includes.arches`);
    if (includedCaps.some((cap) => !caps.has(cap))) return;
    if (includedArches.length > 0 && !includedArches.includes(native.docker)) return;
    if (typeof includes.minKernel === "string" && !kernelAtLeast(host.kernel, includes.minKernel)) return;
    if (strings(excludes.caps, `${where}.excludes.caps`).some((cap) => caps.has(cap))) return;
    if (strings(excludes.arches, `${where}.excludes.arches`).includes(native.docker)) return;
    if (typeof excludes.minKernel === "string" && kernelAtLeast(host.kernel, excludes.minKernel)) return;
    syscalls.push({ names, action: ruleAction, ...(errnoRet !== undefined ? { errnoRet } : {}), ...(args.length > 0 ? { args } : {}) });
  });
  return { defaultAction, ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}), architectures, syscalls };
}

/** "6.18.44-fc" against "4.8": major, then minor. */
export function kernelAtLeast(release: string, minimum: string): boolean {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  const [wantMajor = 0, wantMinor = 0] = minimum.split(".").map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}
