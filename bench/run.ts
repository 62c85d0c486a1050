// minic against runc and crun, side by side in one hyperfine run each, on the same busybox rootfs:
//   run:  `minic run --rm --network none --rootfs R /bin/true` vs `runc run` and `crun run` of a bundle whose root is R
//   exec: `minic exec C /bin/true` vs `runc exec C /bin/true` into a running container
// The bundle is `runc spec`'s with the confinement every minic container gets, as Docker gives
// runc: the default seccomp profile, Docker's 14 capabilities and its device rules, taken from
// minic's own spec (`run --dry-run`), so that both runtimes do the same work. runc is also timed
// on `runc spec`'s bare config (no seccomp, 3 capabilities), which does less.
// On a hybrid cgroup host crun refuses the layout unless run in a private mount namespace without
// the cgroup2 mount: it then runs inside `unshare -m`, and that wrapper's own cost, measured in
// the same run, is subtracted. Prints the means and the ratios. Needs root (`make bench`).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildBusyboxRootfs } from "../test/support/rootfs.ts";

const REPO = resolve(import.meta.dir, "..");
const CACHE = join(REPO, ".cache", "bench");
const MINIC = join(REPO, "minic");
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const STATE = join(CACHE, "minic-state");

function sh(command: string[], options: { cwd?: string; env?: Record<string, string> } = {}): string {
  const result = spawnSync(command[0] ?? "", command.slice(1), { encoding: "utf8", cwd: options.cwd, env: { ...process.env, ...options.env } });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

interface Confinement {
  seccomp: unknown;
  capabilities: Record<string, string[]>;
  devices: unknown[];
}

/** What minic's default container is confined by, in the runtime spec's terms. */
function minicConfinement(rootfs: string): Confinement {
  const dryRun = JSON.parse(sh([MINIC, "run", "--dry-run", "--network", "none", "--rootfs", rootfs, "/bin/true"], { env: { MINIC_ROOT: STATE } }));
  const { process: proc, linux } = dryRun.spec;
  return { seccomp: linux.seccomp, capabilities: proc.capabilities, devices: linux.resources.devices };
}

function bundle(name: string, rootfs: string, args: string[], confinement: Confinement | null): string {
  const dir = join(CACHE, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  sh(["runc", "spec"], { cwd: dir });
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  config.process.terminal = false;
  config.process.args = args;
  config.root = { path: rootfs, readonly: true };
  if (confinement !== null) {
    config.linux.seccomp = confinement.seccomp;
    config.process.capabilities = confinement.capabilities;
    config.linux.resources.devices = confinement.devices;
  }
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  return dir;
}

interface Result {
  command: string;
  mean: number;
}

/** One hyperfine run over named commands; means in milliseconds. */
function hyperfine(name: string, commands: [string, string][]): Map<string, number> {
  const report = join(CACHE, `${name}.json`);
  const args = ["-N", "--warmup", "10", "--runs", String(RUNS), "--export-json", report];
  for (const [label, command] of commands) args.push("-n", label, command);
  // MINIC_ROOT through hyperfine's environment: an `env` wrapper would add an exec to minic's side only.
  const run = spawnSync("hyperfine", args, { stdio: "inherit", env: { ...process.env, MINIC_ROOT: STATE } });
  if (run.status !== 0) process.exit(run.status ?? 1);
  const { results } = JSON.parse(readFileSync(report, "utf8")) as { results: Result[] };
  return new Map(results.map((result) => [result.command, result.mean * 1000]));
}

/** A hybrid host keeps an empty cgroup2 at /sys/fs/cgroup/unified, which crun refuses. */
const hybrid = readFileSync("/proc/self/mountinfo", "utf8").includes(" /sys/fs/cgroup/unified ");
const crunWrapper = (inner: string): string => (hybrid ? `unshare -m sh -c 'umount /sys/fs/cgroup/unified && ${inner}'` : inner);

const rootfs = buildBusyboxRootfs(join(CACHE, "rootfs"));
const confinement = minicConfinement(rootfs);
const trueBundle = bundle("bundle-true", rootfs, ["/bin/true"], confinement);
const bareBundle = bundle("bundle-true-bare", rootfs, ["/bin/true"], null);
const sleepBundle = bundle("bundle-sleep", rootfs, ["sleep", "3600"], confinement);
const hasCrun = spawnSync("crun", ["--version"]).status === 0;

const runCommands: [string, string][] = [
  // runc's bundle has a network namespace of its own with nothing in it: minic's --network none.
  ["minic", `${MINIC} run --rm --network none --rootfs ${rootfs} /bin/true`],
  ["runc", `runc run --bundle ${trueBundle} minic-bench-runc`],
  ["runc, bare config", `runc run --bundle ${bareBundle} minic-bench-runc-bare`],
];
if (hasCrun) {
  runCommands.push(["crun", crunWrapper(`crun run --bundle ${trueBundle} minic-bench-crun`)]);
  if (hybrid) runCommands.push(["wrapper", crunWrapper("true")]);
}
const run = hyperfine("run", runCommands);

// exec: a running container of each runtime, then exec /bin/true into it (what an interrupted
// earlier bench left is removed first).
const removeExecTargets = (): void => {
  spawnSync(MINIC, ["rm", "-f", "minic-bench-exec"], { env: { ...process.env, MINIC_ROOT: STATE } });
  spawnSync("runc", ["delete", "--force", "minic-bench-exec"]);
};
removeExecTargets();
let exec: Map<string, number>;
try {
  // Detached containers keep the stdio they are given: never a pipe this script waits on.
  const detached = spawnSync("runc", ["run", "-d", "--bundle", sleepBundle, "minic-bench-exec"], { stdio: "ignore" });
  if (detached.status !== 0) throw new Error("runc run -d failed");
  sh([MINIC, "create", "--rootfs", rootfs, "--name", "minic-bench-exec", "sleep", "3600"], { env: { MINIC_ROOT: STATE } });
  sh([MINIC, "start", "minic-bench-exec"], { env: { MINIC_ROOT: STATE } });
  exec = hyperfine("exec", [
    ["minic exec", `${MINIC} exec minic-bench-exec /bin/true`],
    ["runc exec", "runc exec minic-bench-exec /bin/true"],
  ]);
} finally {
  removeExecTargets();
}

const ms = (value: number | undefined): string => (value === undefined ? "-" : `${value.toFixed(1)} ms`);
const crun = run.get("crun") === undefined ? undefined : (run.get("crun") ?? 0) - (run.get("wrapper") ?? 0);
console.log("");
console.log(`minic run --rm /bin/true:  ${ms(run.get("minic"))}`);
console.log(`runc run /bin/true:        ${ms(run.get("runc"))} (the same confinement)`);
console.log(`runc run, bare config:     ${ms(run.get("runc, bare config"))} (runc spec's: no seccomp, 3 capabilities)`);
if (crun !== undefined) console.log(`crun run /bin/true:        ${ms(crun)}${hybrid ? ` (${ms(run.get("crun"))} inside unshare -m, less the wrapper's ${ms(run.get("wrapper"))})` : ""}`);
console.log(`ratio minic/runc (run):    ${((run.get("minic") ?? NaN) / (run.get("runc") ?? NaN)).toFixed(2)} (issues 10 and 11: at most 0.75)`);
console.log(`ratio minic/runc, bare:    ${((run.get("minic") ?? NaN) / (run.get("runc, bare config") ?? NaN)).toFixed(2)} (runc doing less than minic)`);
if (crun !== undefined) console.log(`ratio minic/crun (run):    ${((run.get("minic") ?? NaN) / crun).toFixed(2)}`);
console.log(`minic exec /bin/true:      ${ms(exec.get("minic exec"))}`);
console.log(`runc exec /bin/true:       ${ms(exec.get("runc exec"))}`);
console.log(`ratio minic/runc (exec):   ${((exec.get("minic exec") ?? NaN) / (exec.get("runc exec") ?? NaN)).toFixed(2)}`);

