// Detached containers: the memory each one's monitor (conmon) takes, `run -d` against podman's
// `run -d` with runc on the same rootfs in one hyperfine run, and `stop` of a workload that
// handles TERM. Needs root, conmon and podman (`make bench`).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildBusyboxRootfs } from "../test/support/rootfs.ts";

const REPO = resolve(import.meta.dir, "..");
const CACHE = join(REPO, ".cache", "bench");
const MINIC = join(REPO, "minic");
const STATE = join(CACHE, "minic-detached-state");
const PODMAN_HOME = join(CACHE, "podman");
const RUNS = Number(process.env.BENCH_RUNS_DETACHED ?? 30);
const env = { ...process.env, MINIC_ROOT: STATE };

const rootfs = buildBusyboxRootfs(join(CACHE, "rootfs"));
mkdirSync(STATE, { recursive: true });
const minic = (args: string[]) => spawnSync(MINIC, args, { env, encoding: "utf8" });

// Memory: five containers, the resident size of each one's conmon.
const ids: string[] = [];
try {
  for (let i = 0; i < 5; i++) ids.push(minic(["run", "-d", "--rootfs", rootfs, "sleep", "3600"]).stdout.trim());
  const rss = ids.map((id) => {
    const pid = readFileSync(join(STATE, "bundles", id, "conmon.pid"), "utf8").trim();
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((entry) => entry.startsWith("VmRSS:")) ?? "";
    return Number(line.replace(/\D/g, "")) / 1024;
  });
  console.log(`memory per detached container (its conmon's RSS): ${(rss.reduce((a, b) => a + b, 0) / rss.length).toFixed(1)} MB (issue 13: at most 3 MB)`);
} finally {
  if (ids.length > 0) minic(["rm", "-f", ...ids]);
}

// run -d: minic under conmon against podman (conmon too) with runc, both --rm, on the same rootfs.
const podman = [
  "podman", "--runtime", "runc", "--root", join(PODMAN_HOME, "root"), "--runroot", join(PODMAN_HOME, "runroot"),
  "--cgroup-manager", "cgroupfs", "--events-backend", "file",
].join(" ");
const podmanRun = "run -d --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network none";
const report = join(CACHE, "detached.json");
const run = spawnSync("hyperfine", [
  "-N", "--warmup", "3", "--runs", String(RUNS), "--export-json", report,
  "-n", "minic run -d", `${MINIC} run -d --rm --network none --rootfs ${rootfs} true`,
  "-n", "podman run -d (runc)", `${podman} ${podmanRun} --rootfs ${rootfs} true`,
], { stdio: "inherit", env });
if (run.status !== 0) process.exit(run.status ?? 1);
const means = new Map((JSON.parse(readFileSync(report, "utf8")) as { results: { command: string; mean: number }[] }).results.map((r) => [r.command, r.mean * 1000]));

// stop: a workload that ends on TERM, made again before each timed stop.
const stopReport = join(CACHE, "stop.json");
const prepare = `sh -c '${MINIC} rm -f stopme >/dev/null 2>&1; ${MINIC} run -d --name stopme --network none --rootfs ${rootfs} sh -c "trap \\"exit 0\\" TERM; while true; do sleep 0.05; done" >/dev/null'`;
const stop = spawnSync("hyperfine", ["-N", "--runs", "20", "--export-json", stopReport, "--prepare", prepare, "-n", "minic stop", `${MINIC} stop stopme`], { stdio: "inherit", env });
minic(["rm", "-f", "stopme"]);
if (stop.status !== 0) process.exit(stop.status ?? 1);
const stopMean = (JSON.parse(readFileSync(stopReport, "utf8")) as { results: { mean: number }[] }).results[0]?.mean ?? NaN;

// Containers removed at exit by their exit command may still be on their way out.
Bun.sleepSync(1000);
rmSync(STATE, { recursive: true, force: true });
console.log("");
console.log(`minic run -d --rm true:          ${(means.get("minic run -d") ?? NaN).toFixed(1)} ms`);
console.log(`podman run -d --rm true (runc):  ${(means.get("podman run -d (runc)") ?? NaN).toFixed(1)} ms`);
console.log(`ratio minic/podman (run -d):     ${((means.get("minic run -d") ?? NaN) / (means.get("podman run -d (runc)") ?? NaN)).toFixed(2)}`);
console.log(`minic stop (a TERM-handling workload): ${(stopMean * 1000).toFixed(1)} ms`);
