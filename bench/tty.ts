// Terminal output throughput: `minic run -t ... cat FILE` against `script -qc "cat FILE"` on the
// same 64 MB file, both through a pty in raw mode, side by side in one hyperfine run.
// Prints both means, MB/s and the ratio. Needs root, hyperfine and script (`make bench`).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildBusyboxRootfs } from "../test/support/rootfs.ts";

const REPO = resolve(import.meta.dir, "..");
const CACHE = join(REPO, ".cache", "bench");
const MINIC = join(REPO, "minic");
const SIZE_MB = 64;

mkdirSync(join(CACHE, "tty"), { recursive: true });
const file = join(CACHE, "tty", "payload");
const payload = new Uint8Array(SIZE_MB * 1024 * 1024);
for (let i = 0; i < payload.length; i += 65536) payload.set(crypto.getRandomValues(new Uint8Array(65536)), i);
writeFileSync(file, payload);

const rootfs = buildBusyboxRootfs(join(CACHE, "rootfs"));
const report = join(CACHE, "tty-hyperfine.json");
const commands = {
  minic: `env MINIC_ROOT=${join(CACHE, "minic-state")} ${MINIC} run --rm -t --network none --rootfs ${rootfs} -v ${file}:/payload:ro sh -c 'stty raw -echo; cat /payload'`,
  script: `script -qc 'stty raw -echo; cat ${file}' /dev/null`,
};
const hyperfine = spawnSync(
  "hyperfine",
  ["--warmup", "2", "--runs", "10", "--output", "null", "--export-json", report,
    "-n", "minic -t", commands.minic, "-n", "script -qc", commands.script],
  { stdio: "inherit" },
);
if (hyperfine.status !== 0) process.exit(hyperfine.status ?? 1);

const { results } = JSON.parse(readFileSync(report, "utf8")) as { results: { command: string; mean: number }[] };
const mean = (name: string) => (results.find((r) => r.command === name)?.mean ?? NaN) * 1000;
const rate = (ms: number) => (SIZE_MB / (ms / 1000)).toFixed(0);
console.log("");
console.log(`minic run -t cat ${SIZE_MB} MB: ${mean("minic -t").toFixed(0)} ms (${rate(mean("minic -t"))} MB/s)`);
console.log(`script -qc cat ${SIZE_MB} MB:   ${mean("script -qc").toFixed(0)} ms (${rate(mean("script -qc"))} MB/s)`);
console.log(`ratio minic/script:       ${(mean("minic -t") / mean("script -qc")).toFixed(2)}`);
