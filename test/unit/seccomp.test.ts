import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinicError } from "../../src/errors.ts";
import { buildPlan } from "../../src/plan/plan.ts";
import { seccompProgram } from "../../src/seccomp/compile.ts";
import defaultProfile from "../../src/seccomp/default-profile.json";
import { kernelAtLeast, seccompFromProfile, type SeccompHost } from "../../src/seccomp/profile.ts";
import { DEFAULT_CAPABILITIES } from "../../src/spec/defaults.ts";
import { buildSpec } from "../../src/spec/from-run-flags.ts";
import { parseSecurityOpts } from "../../src/spec/security-opts.ts";
import { runOptions, specContext } from "../support/options.ts";

const host: SeccompHost = { capabilities: [...DEFAULT_CAPABILITIES], arch: "x64", kernel: "6.18.44-fc" };
const resolved = (changes: Partial<SeccompHost> = {}) => seccompFromProfile(defaultProfile, { ...host, ...changes }, "default");
const rulesFor = (name: string, changes: Partial<SeccompHost> = {}) => resolved(changes).syscalls.filter((rule) => rule.names.includes(name));
const refusal = (profile: unknown): string => {
  try {
    seccompFromProfile(profile, host, "p.json");
  } catch (error) {
    expect(error).toBeInstanceOf(MinicError);
    return (error as MinicError).message;
  }
  throw new Error("accepted");
};

describe("the default profile, resolved for a container", () => {
  test("an allow-list: everything else is EPERM; this machine's ABIs", () => {
    const filter = resolved();
    expect(filter.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(filter.defaultErrnoRet).toBe(1);
    expect(filter.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(resolved({ arch: "arm64" }).architectures).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    const allowed = new Set(filter.syscalls.filter((rule) => rule.args === undefined && rule.action === "SCMP_ACT_ALLOW").flatMap((rule) => rule.names));
    for (const name of ["read", "execve", "arch_prctl", "ptrace"]) expect(allowed.has(name)).toBe(true);
    for (const name of ["mount", "umount2", "unshare", "setns", "keyctl", "add_key", "io_uring_setup", "userfaultfd", "perf_event_open", "bpf", "kexec_load", "init_module", "pivot_root", "personality", "socket", "clone"]) {
      expect(allowed.has(name)).toBe(false);
    }
  });

  test("argument rules: sockets but AF_VSOCK, clone without namespace flags, a few personalities, clone3 ENOSYS", () => {
    expect(rulesFor("socket")).toEqual([{ names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] }]);
    expect(rulesFor("clone")).toEqual([{ names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0x7e020000, op: "SCMP_CMP_MASKED_EQ" }] }]);
    expect(rulesFor("personality").map((rule) => rule.args?.[0]?.value)).toEqual([0, 8, 131072, 131080, 4294967295]);
    expect(rulesFor("clone3")).toEqual([{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }]);
  });

  test("a capability brings its calls; CAP_SYS_ADMIN lifts the clone restriction", () => {
    const admin = [...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"];
    expect(rulesFor("mount", { capabilities: admin })).toHaveLength(1);
    expect(rulesFor("clone", { capabilities: admin }).map((rule) => rule.args)).toEqual([undefined]);
    expect(rulesFor("clone3", { capabilities: admin })[0]?.action).toBe("SCMP_ACT_ALLOW");
    expect(rulesFor("ptrace", { capabilities: [...DEFAULT_CAPABILITIES, "CAP_SYS_PTRACE"] })).toHaveLength(2);
    expect(rulesFor("ptrace", { kernel: "4.4.0" })).toHaveLength(0);
    expect(rulesFor("arch_prctl", { arch: "arm64" })).toHaveLength(0);
  });

  test("kernel versions compare by major, then minor", () => {
    expect(kernelAtLeast("6.18.44-fc", "4.8")).toBe(true);
    expect(kernelAtLeast("4.8.0", "4.8")).toBe(true);
    expect(kernelAtLeast("4.7.10", "4.8")).toBe(false);
    expect(kernelAtLeast("3.19", "4.8")).toBe(false);
  });
});

describe("a profile file's structure", () => {
  test("a bad structure is one line naming where", () => {
    expect(refusal([])).toBe("seccomp profile p.json: the profile must be an object");
    expect(refusal({ defaultAction: "SCMP_ACT_NOPE" })).toBe('seccomp profile p.json: defaultAction names an unknown action "SCMP_ACT_NOPE"');
    expect(refusal({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_VAX"] })).toBe('seccomp profile p.json: architectures[0] names an unknown architecture "SCMP_ARCH_VAX"');
    expect(refusal({ defaultAction: "SCMP_ACT_ERRNO", syscalls: {} })).toBe("seccomp profile p.json: syscalls must be an array");
    expect(refusal({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 9, value: 1, op: "SCMP_CMP_EQ" }] }] })).toBe("seccomp profile p.json: syscalls[0].args[0].index must be 0 to 5");
    expect(refusal({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_XX" }] }] })).toBe('seccomp profile p.json: syscalls[0].args[0].op names an unknown comparison "SCMP_CMP_XX"');
    expect(refusal({ defaultAction: "SCMP_ACT_ERRNO", listenerPath: "/x" })).toBe("seccomp profile p.json: the profile.listenerPath is not supported by minic");
    expect(refusal({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ action: "SCMP_ACT_ALLOW" }] })).toBe("seccomp profile p.json: syscalls[0] names no system call");
  });

  test("Docker's older forms: architectures and a single name", () => {
    const filter = seccompFromProfile({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ name: "mount", action: "SCMP_ACT_ERRNO" }] }, host, "p.json");
    expect(filter).toEqual({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["mount"], action: "SCMP_ACT_ERRNO" }] });
  });
});

describe("--security-opt", () => {
  test("seccomp and no-new-privileges, in Docker's spellings", () => {
    expect(parseSecurityOpts([])).toEqual({ seccomp: null, noNewPrivileges: false });
    expect(parseSecurityOpts(["seccomp=unconfined", "no-new-privileges"])).toEqual({ seccomp: "unconfined", noNewPrivileges: true });
    expect(parseSecurityOpts(["seccomp:/p.json", "no-new-privileges:true", "no-new-privileges=false"])).toEqual({ seccomp: "/p.json", noNewPrivileges: false });
    expect(() => parseSecurityOpts(["apparmor=x"])).toThrow('invalid --security-opt "apparmor=x"');
    expect(() => parseSecurityOpts(["no-new-privileges=maybe"])).toThrow(MinicError);
    expect(() => parseSecurityOpts(["seccomp="])).toThrow(MinicError);
  });
});

describe("the filter in the plan", () => {
  const options = runOptions({ command: ["true"] });
  const context = specContext({ seccomp: (target) => seccompFromProfile(defaultProfile, target, "default") });
  const layout = { id: "id", overlay: null, cgroup: null };
  const kinds = (nnp: boolean) => {
    const spec = buildSpec({ ...options, security: { seccomp: null, noNewPrivileges: nnp } }, context);
    return buildPlan(spec, layout, { seccomp: "AAAAAAAAAAA=" }).ops.map((op) => op.op);
  };

  test("without no_new_privs, installed before the user changes (CAP_SYS_ADMIN is still there)", () => {
    const ops = kinds(false);
    expect(ops.indexOf("seccomp")).toBe(ops.indexOf("user") - 1);
    expect(ops).not.toContain("no-new-privs");
  });

  test("with no_new_privs, installed last, just before execve", () => {
    expect(kinds(true).slice(-3)).toEqual(["unblock-signals", "seccomp", "execve"]);
    expect(kinds(true)).toContain("no-new-privs");
  });

  test("the spec carries the resolved profile; unconfined carries none", () => {
    expect(buildSpec({ ...options, security: { seccomp: null, noNewPrivileges: false } }, context).linux.seccomp?.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(buildSpec({ ...options, security: { seccomp: "unconfined", noNewPrivileges: false } }, { ...context, seccomp: null }).linux.seccomp).toBeUndefined();
  });
});

describe("compiling with libseccomp", () => {
  test("a whole number of BPF instructions, cached by content", () => {
    const dir = mkdtempSync(join(tmpdir(), "minic-seccomp-"));
    try {
      const program = seccompProgram(resolved(), dir);
      expect(program.length % 8).toBe(0);
      expect(program.length).toBeGreaterThan(8 * 50);
      expect(readdirSync(join(dir, "seccomp"))).toHaveLength(1);
      expect(seccompProgram(resolved(), dir).equals(program)).toBe(true);
      // A different filter, a different program and cache entry.
      expect(seccompProgram(resolved({ capabilities: [...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"] }), dir).equals(program)).toBe(false);
      expect(readdirSync(join(dir, "seccomp"))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
