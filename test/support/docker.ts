// A Docker engine for the build tests: the one DOCKER_HOST (or the default socket) names if it
// answers, otherwise a private dockerd with its own socket, data root and pid file (MACHINE.md),
// stopped again by stop(). The busybox test rootfs is imported as the base image.
import { spawn, type Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOTFS } from "./minic.ts";

export const BASE_IMAGE = "minic-test-base:latest";

export interface TestEngine {
  /** What to put in DOCKER_HOST. */
  host: string;
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Ids of every container the engine has, running or not. */
  containers(): Promise<string[]>;
  stop(): Promise<void>;
}

async function answers(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  try {
    return (await fetch("http://docker/_ping", { unix: socket } as RequestInit)).ok;
  } catch {
    return false;
  }
}

export async function startEngine(): Promise<TestEngine> {
  const given = process.env.DOCKER_HOST?.startsWith("unix://") ? process.env.DOCKER_HOST.slice(7) : "/var/run/docker.sock";
  let socket = given;
  let daemon: Subprocess | null = null;
  let dir: string | null = null;
  if (!(await answers(given))) {
    dir = mkdtempSync(join(tmpdir(), "minic-dockerd-"));
    socket = join(dir, "docker.sock");
    daemon = spawn(
      ["dockerd", "--iptables=false", "--bridge=none", `--host=unix://${socket}`, `--data-root=${join(dir, "data")}`,
        `--exec-root=${join(dir, "exec")}`, `--pidfile=${join(dir, "docker.pid")}`],
      { stdout: "ignore", stderr: Bun.file(join(dir, "dockerd.log")) },
    );
    const deadline = Date.now() + 60_000;
    while (!(await answers(socket))) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`dockerd did not start: see ${join(dir, "dockerd.log")}`);
      await Bun.sleep(100);
    }
  }
  const api = (path: string, init: RequestInit = {}) => fetch(`http://docker/v1.41${path}`, { ...init, unix: socket } as RequestInit);

  // An imported image has no CMD; Docker's own `import -c 'CMD ["/bin/sh"]'` adds one the same way.
  const tar = spawn(["tar", "-C", ROOTFS, "-c", "."], { stdout: "pipe" });
  const imported = await api(`/images/create?fromSrc=-&repo=minic-test-base&tag=latest&changes=${encodeURIComponent('CMD ["/bin/sh"]')}`, {
    method: "POST",
    body: tar.stdout,
    headers: { "Content-Type": "application/x-tar" },
    duplex: "half",
  } as RequestInit);
  if (!imported.ok) throw new Error(`importing the base image failed: ${await imported.text()}`);
  await imported.text();

  return {
    host: `unix://${socket}`,
    api,
    async containers() {
      const list = (await (await api("/containers/json?all=1")).json()) as { Id: string }[];
      return list.map((container) => container.Id).sort();
    },
    async stop() {
      if (daemon === null || dir === null) return;
      daemon.kill("SIGTERM");
      await daemon.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
