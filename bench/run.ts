// minic against runc, side by side in one hyperfine run, on the same busybox rootfs:
// `minic run --rm --rootfs R /bin/true` vs `runc run` of a bundle whose root is R.
// Prints both means and the ratio minic/runc. Needs root, runc and hyperfine (`make bench`).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildBusyboxRootfs } from "../test/support/rootfs.ts";

const REPO = resolve(import.meta.dir, "..");
const CACHE = join(REPO, ".cache", "bench");
const MINIC = join(REPO, "minic");
const RUNS = Number(process.env.BENCH_RUNS ?? 50);

function sh(command: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command[0] ?? "", command.slice(1), { encoding: "utf8", cwd: options.cwd });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function runcBundle(rootfs: string): string {
  const bundle = join(CACHE, "runc-bundle");
  rmSync(bundle, { recursive: true, force: true });
  mkdirSync(bundle, { recursive: true });
  sh(["runc", "spec"], { cwd: bundle });
  const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
  config.process.terminal = false;
  config.process.args = ["/bin/true"];
  config.root = { path: rootfs, readonly: true };
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config, null, 2));
  return bundle;
}

interface HyperfineResult {
  results: { command: string; mean: number; stddev: number; min: number; max: number }[];
}

const rootfs = buildBusyboxRootfs(join(CACHE, "rootfs"));
const bundle = runcBundle(rootfs);
const stateRoot = join(CACHE, "minic-state");
const report = join(CACHE, "hyperfine.json");

const commands = {
  minic: `${MINIC} run --rm --rootfs ${rootfs} /bin/true`,
  runc: `runc run --bundle ${bundle} minic-bench`,
};

const hyperfine = spawnSync(
  "hyperfine",
  ["-N", "--warmup", "5", "--runs", String(RUNS), "--export-json", report,
    "-n", "minic", commands.minic, "-n", "runc", commands.runc],
  // MINIC_ROOT through hyperfine's environment: an `env` wrapper would add an exec to minic's side only.
  { stdio: "inherit", env: { ...process.env, MINIC_ROOT: stateRoot } },
);
if (hyperfine.status !== 0) process.exit(hyperfine.status ?? 1);

const { results } = JSON.parse(readFileSync(report, "utf8")) as HyperfineResult;
const mean = (name: string) => (results.find((r) => r.command === name)?.mean ?? NaN) * 1000;
const ratio = mean("minic") / mean("runc");
console.log("");
console.log(`minic run --rm /bin/true: ${mean("minic").toFixed(1)} ms`);
console.log(`runc run /bin/true:       ${mean("runc").toFixed(1)} ms`);
console.log(`ratio minic/runc:         ${ratio.toFixed(2)} (target <= 0.60)`);
