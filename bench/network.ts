// What networking costs a start: `minic run --rm /bin/true` on the host's network, on its own
// without one (none), and on the default bridge minic0 through the CNI plugins, in one hyperfine run, against
// podman's `run --network bridge` with runc (its CNI bridge, the same plugins) when it works here.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildBusyboxRootfs } from "../test/support/rootfs.ts";

const REPO = resolve(import.meta.dir, "..");
const CACHE = join(REPO, ".cache", "bench");
const MINIC = join(REPO, "minic");
const STATE = join(CACHE, "minic-network-state");
const RUNS = Number(process.env.BENCH_RUNS_NETWORK ?? 30);
const rootfs = buildBusyboxRootfs(join(CACHE, "rootfs"));
mkdirSync(STATE, { recursive: true });

const podman = `podman --runtime runc --root ${join(CACHE, "podman", "root")} --runroot ${join(CACHE, "podman", "runroot")} --cgroup-manager cgroupfs --events-backend file run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024`;
const podmanBridge = spawnSync("sh", ["-c", `${podman} --network bridge --rootfs ${rootfs} /bin/true`]).status === 0;
const report = join(CACHE, "network.json");
const commands: string[] = [
  "-n", "minic host", `${MINIC} run --rm --network host --rootfs ${rootfs} /bin/true`,
  "-n", "minic none", `${MINIC} run --rm --network none --rootfs ${rootfs} /bin/true`,
  "-n", "minic bridge", `${MINIC} run --rm --rootfs ${rootfs} /bin/true`,
  "-n", "minic user network", `${MINIC} run --rm --network minic-bench --rootfs ${rootfs} /bin/true`,
  ...(podmanBridge ? ["-n", "podman bridge (runc)", `${podman} --network bridge --rootfs ${rootfs} /bin/true`] : []),
];
// A user network: its members' /etc/hosts are rewritten at each start and stop (names, see README).
spawnSync(MINIC, ["network", "create", "minic-bench"], { env: { ...process.env, MINIC_ROOT: STATE } });
const run = spawnSync("hyperfine", ["-N", "--warmup", "3", "--runs", String(RUNS), "--export-json", report, ...commands], { stdio: "inherit", env: { ...process.env, MINIC_ROOT: STATE } });
spawnSync(MINIC, ["network", "rm", "minic-bench"], { env: { ...process.env, MINIC_ROOT: STATE } });
if (run.status !== 0) process.exit(run.status ?? 1);
const means = new Map((JSON.parse(readFileSync(report, "utf8")) as { results: { command: string; mean: number }[] }).results.map((r) => [r.command, r.mean * 1000]));
rmSync(STATE, { recursive: true, force: true });
const ms = (name: string) => `${(means.get(name) ?? NaN).toFixed(1)} ms`;
console.log("");
console.log(`minic run --rm /bin/true, host network:   ${ms("minic host")}`);
console.log(`minic run --rm /bin/true, --network none: ${ms("minic none")}`);
console.log(`minic run --rm /bin/true, default bridge: ${ms("minic bridge")}`);
console.log(`minic run --rm /bin/true, user network:   ${ms("minic user network")}`);
console.log(podmanBridge ? `podman run --rm --network bridge (runc):  ${ms("podman bridge (runc)")}` : "podman --network bridge: not set up here (no CNI network of its own offline)");
console.log(`networking's cost a start: ${((means.get("minic bridge") ?? NaN) - (means.get("minic none") ?? NaN)).toFixed(1)} ms`);
