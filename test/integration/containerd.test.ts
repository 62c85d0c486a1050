// containerd driving minic as the runc of its shim (ctr run --runc-binary): a private containerd
// (its own root, state and socket, the CRI plugin off) with an image made offline from the test
// rootfs, in a containerd namespace of this file's own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type Subprocess } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MINIC, ROOTFS, waitFor } from "../support/minic.ts";

// `make test` installs containerd (TEST_DEBS): without it these tests fail, they are not skipped.
const installed = existsSync("/usr/bin/containerd") && existsSync("/usr/bin/ctr");
const namespace = `minic-test-${process.pid}`;
let dir = "";
let daemon: Subprocess | null = null;

/** The rootfs as an OCI image layout tar (one gzipped layer), as `ctr images import` takes it. */
function ociImage(into: string): string {
  const layout = join(into, "image");
  const blobs = join(layout, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const sha256 = (bytes: Uint8Array | string) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  const blob = (bytes: Uint8Array | string) => {
    const digest = sha256(bytes);
    writeFileSync(join(blobs, digest), bytes);
    return { digest: `sha256:${digest}`, size: typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length };
  };
  const tar = new Uint8Array(spawnSync(["tar", "-C", ROOTFS, "-cf", "-", "."]).stdout);
  const layer = blob(Bun.gzipSync(tar));
  const config = blob(JSON.stringify({
    architecture: process.arch === "arm64" ? "arm64" : "amd64",
    os: "linux",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: [`sha256:${sha256(tar)}`] },
  }));
  const manifest = blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
  }));
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layout, "index.json"), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations: { "org.opencontainers.image.ref.name": "latest" } }],
  }));
  const file = join(into, "image.tar");
  spawnSync(["tar", "-C", layout, "-cf", file, "oci-layout", "index.json", "blobs"]);
  return file;
}

const socket = () => join(dir, "containerd.sock");

async function ctr(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(["ctr", "-a", socket(), "-n", namespace, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: 60_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/** The shim runs minic with --root /run/containerd/runc/NAMESPACE: minic's state for this file. */
const runtimeRoot = () => join("/run/containerd/runc", namespace);

/** Container cgroups containerd asked for: /NAMESPACE/ID in each hierarchy. */
function leftCgroups(): string[] {
  return readdirSync("/sys/fs/cgroup", { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const parent = join("/sys/fs/cgroup", entry.name, namespace);
      return existsSync(parent) ? readdirSync(parent).filter((name) => statSync(join(parent, name)).isDirectory()).map((name) => join(parent, name)) : [];
    });
}

beforeAll(async () => {
  if (!installed) throw new Error("containerd and ctr are missing: `make test` installs them (Debian's containerd)");
  dir = mkdtempSync(join(tmpdir(), "minic-ctd-"));
  writeFileSync(join(dir, "config.toml"), 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
  daemon = spawn(["containerd", "--config", join(dir, "config.toml"), "--root", join(dir, "root"), "--state", join(dir, "state"), "--address", socket()], { stdout: "ignore", stderr: Bun.file(join(dir, "containerd.log")) });
  await waitFor(() => existsSync(socket()), 15_000);
  const imported = await ctr(["images", "import", "--base-name", "minic.test/busybox", ociImage(dir)]);
  if (imported.code !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
}, 60_000);

afterAll(async () => {
  if (daemon !== null) {
    daemon.kill();
    await daemon.exited;
  }
  // Shims outlive their containerd: those of this file's namespace go with it.
  spawnSync(["pkill", "-f", `containerd-shim-runc-v2 -namespace ${namespace} `]);
  for (const hierarchy of readdirSync("/sys/fs/cgroup")) {
    try {
      rmdirSync(join("/sys/fs/cgroup", hierarchy, namespace));
    } catch {
      // not made here, or a leak the tests report
    }
  }
  rmSync(runtimeRoot(), { recursive: true, force: true });
  if (dir !== "") {
    // containerd's snapshots may hold mounts no longer: plain removal.
    renameSync(dir, `${dir}.done`);
    rmSync(`${dir}.done`, { recursive: true, force: true });
  }
});

describe("containerd with minic as the runc of its shim", () => {
  // ctr's default spec has no seccomp profile (ctr run --seccomp adds containerd's).
  test("ctr run --rm: output and exit status; minic's state and cgroups gone after", async () => {
    const result = await ctr(["run", "--rm", "--runc-binary", MINIC, "minic.test/busybox:latest", "once", "sh", "-c", "echo pid=$$ seccomp=$(grep Seccomp: /proc/self/status | cut -f2); exit 6"]);
    expect(result.stdout).toBe("pid=1 seccomp=0\n");
    expect(result.code).toBe(6);
    expect(readdirSync(join(runtimeRoot(), "containers"))).toEqual([]);
    expect(leftCgroups()).toEqual([]);
  });

  test("ctr run -t: the process has a terminal of its own (minic's pty sent over the shim's console socket)", async () => {
    // ctr wants a terminal on its own stdin: script(1) gives it one.
    const command = ["ctr", "-a", socket(), "-n", namespace, "run", "--rm", "-t", "--runc-binary", MINIC, "minic.test/busybox:latest", "tty1", "sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty; exit 3"].join(" ");
    const result = spawnSync(["script", "-qec", command, "/dev/null"], { stdin: "ignore", timeout: 60_000 });
    const output = result.stdout.toString().replace(/\r/g, "");
    expect(output).toMatch(/\/dev\/pts\/\d+\nstdin-is-a-tty\n/);
    expect(result.exitCode).toBe(3);
    expect(readdirSync(join(runtimeRoot(), "containers"))).toEqual([]);
  });

  test("a task: run -d, exec, ps, pause, resume, kill, delete", async () => {
    expect((await ctr(["run", "-d", "--runc-binary", MINIC, "minic.test/busybox:latest", "svc", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"])).code).toBe(0);
    try {
      const exec = await ctr(["task", "exec", "--exec-id", "probe", "svc", "sh", "-c", "echo in-exec; cat /proc/1/cmdline | tr '\\0' ' '"]);
      expect(exec.stdout).toBe("in-exec\nsh -c trap 'exit 0' TERM; while true; do sleep 0.1; done ");
      const status = async () => (await ctr(["task", "ls"])).stdout.split("\n").find((line) => line.startsWith("svc "))?.trim().split(/\s+/) ?? [];
      const [, pid, running] = await status();
      expect(running).toBe("RUNNING");
      // task ps asks minic's ps for the container's host pids.
      const ps = await ctr(["task", "ps", "svc"]);
      expect(ps.stdout.split("\n").slice(1).map((line) => line.trim().split(/\s+/)[0])).toContain(pid);
      expect((await ctr(["task", "pause", "svc"])).code).toBe(0);
      expect((await status())[2]).toBe("PAUSED");
      expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/State:\s+[SD]/);
      expect((await ctr(["task", "resume", "svc"])).code).toBe(0);
      expect((await status())[2]).toBe("RUNNING");
      expect((await ctr(["task", "kill", "svc"])).code).toBe(0);
      await waitFor(() => readFileSync(join(runtimeRoot(), "containers", "svc", "state.json"), "utf8").length > 0 && spawnSync(["ctr", "-a", socket(), "-n", namespace, "task", "ls"]).stdout.toString().includes("STOPPED"), 10_000);
    } finally {
      // --force: a test failing half-way leaves a running task, killed here.
      await ctr(["task", "delete", "--force", "svc"]);
      await ctr(["container", "delete", "svc"]);
    }
    expect(readdirSync(join(runtimeRoot(), "containers"))).toEqual([]);
    expect(leftCgroups()).toEqual([]);
  });
});
