// minic build against a real Docker engine (a private dockerd when none answers): Dockerfile to
// image to exported rootfs, then a container on it. Failures leave DIR, the engine and the
// disk as they were.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { humanSize } from "../../src/units.ts";
import { MINIC, minic, ROOTFS, stateDir, waitFor, type Result } from "../support/minic.ts";
import { BASE_IMAGE, startEngine, type TestEngine } from "../support/docker.ts";
import { rootlessWorld, testUser } from "../support/rootless.ts";

let engine: TestEngine;
let work = "";
let containersBefore: string[] = [];

beforeAll(async () => {
  engine = await startEngine();
}, 120_000);
afterAll(async () => {
  await engine?.stop();
}, 60_000);

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), "minic-build-"));
  containersBefore = await engine.containers();
});
afterEach(async () => {
  // No temporary or intermediate container survives a build, failed or not.
  expect(await engine.containers()).toEqual(containersBefore);
  // Nothing but what the test made: no hidden staging directories next to the output.
  expect(readdirSync(work).filter((name) => name.includes(".minic-"))).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

/** A build context in the work directory: file path -> content. */
function context(files: Record<string, string>): string {
  const dir = join(work, "ctx");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function build(args: string[], opts: { host?: string } = {}): Promise<Result> {
  return minic(["build", ...args], work, { env: { DOCKER_HOST: opts.host ?? engine.host }, timeoutMs: 120_000 });
}

async function runIn(rootfs: string, command: string): Promise<Result> {
  const root = stateDir();
  try {
    return await minic(["run", "--rm", "--rootfs", rootfs, "sh", "-c", command], root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe("minic build", () => {
  test("RUN, COPY, ENV and WORKDIR land in the rootfs, with owners, links and devices, and minic runs it", async () => {
    const ctx = context({
      "Dockerfile.rootfs": `FROM ${BASE_IMAGE}
ENV GREETING=hello-from-env
WORKDIR /opt/app
RUN echo "$GREETING" > greeting && pwd > where && chown 1234:99 greeting && ln greeting greeting.link && mknod null c 1 3
COPY app/ /opt/app/
`,
      "app/hello.sh": "echo hello from the app\n",
    });
    const out = join(work, "rootfs");
    const r = await build(["-o", out, ctx]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Step 4/5 : RUN");
    expect(r.stderr).toMatch(/exported [\d.]+(KiB|MiB)/);
    expect(r.stderr).toMatch(new RegExp(`rootfs ${out}: [\\d.]+MiB in \\d+ files, built in [\\d.]+s\\n$`));

    const inside = await runIn(out, "cd /opt/app && cat greeting where && sh hello.sh && stat -c '%u:%g %h %F' greeting null hello.sh");
    expect(inside.stderr).toBe("");
    expect(inside.stdout).toBe(
      ["hello-from-env", "/opt/app", "hello from the app", "1234:99 2 regular file", "0:0 1 character special file", "0:0 1 regular file", ""].join("\n"),
    );
    expect(JSON.parse(readFileSync(join(out, ".minic-rootfs"), "utf8")).image).toMatch(/^sha256:/);
  }, 120_000);

  test("the image's ENTRYPOINT, CMD, ENV, WORKDIR and USER are kept and applied by run, as docker run applies them", async () => {
    const ctx = context({
      "Dockerfile.rootfs": `FROM ${BASE_IMAGE}
ENV GREETING=hello-from-image
WORKDIR /srv/www
USER nobody
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/bin/sh", "-c", "echo \\"$GREETING from $(pwd) as $(id -u): $*\\"", "sh"]
CMD ["default-arg"]
`,
    });
    const out = join(work, "rootfs");
    expect((await build(["-q", "-o", out, ctx])).code).toBe(0);
    const record = JSON.parse(readFileSync(join(out, ".minic-rootfs"), "utf8"));
    expect(record.config).toMatchObject({ Entrypoint: ["/bin/sh", "-c", 'echo "$GREETING from $(pwd) as $(id -u): $*"', "sh"], Cmd: ["default-arg"], WorkingDir: "/srv/www", User: "nobody", StopSignal: "SIGQUIT" });
    const root = stateDir();
    try {
      const plain = await minic(["run", "--rm", "--rootfs", out], root);
      expect({ code: plain.code, stdout: plain.stdout, stderr: plain.stderr }).toEqual({ code: 0, stdout: "hello-from-image from /srv/www as 65534: default-arg\n", stderr: "" });
      const overridden = await minic(["run", "--rm", "--rootfs", out, "-e", "GREETING=hi", "-u", "0", "given"], root);
      expect(overridden.stdout).toBe("hi from /srv/www as 0: given\n");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  test("--target stops at a stage, --label labels the image (and run's container), --no-cache runs steps again", async () => {
    const ctx = context({
      "Dockerfile.rootfs": `FROM ${BASE_IMAGE} AS base
RUN echo base > /stage
FROM base AS final
RUN echo final > /stage
`,
    });
    const out = join(work, "rootfs");
    expect((await build(["-q", "--target", "base", "--label", "org.example.role=test", "-o", out, ctx])).code).toBe(0);
    expect(readFileSync(join(out, "stage"), "utf8")).toBe("base\n");
    expect(JSON.parse(readFileSync(join(out, ".minic-rootfs"), "utf8")).config.Labels).toEqual({ "org.example.role": "test" });
    const root = stateDir();
    try {
      const labels = await minic(["run", "-d", "--rootfs", out, "--name", "labelled", "sleep", "5"], root);
      expect(labels.code).toBe(0);
      expect((await minic(["inspect", "-f", "{{json .Config.Labels}}", "labelled"], root)).stdout).toBe('{"org.example.role":"test"}\n');
      await minic(["rm", "-f", "labelled"], root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const cached = await build(["--force", "-o", out, ctx]);
    expect(cached.stderr).toContain("Using cache");
    const fresh = await build(["--force", "--no-cache", "-o", out, ctx]);
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).not.toContain("Using cache");
    expect(readFileSync(join(out, "stage"), "utf8")).toBe("final\n");
  }, 120_000);

  test("without -f, a context with only a Dockerfile builds from it, as Docker's does", async () => {
    const ctx = context({ Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo from-dockerfile > /marker\n` });
    const out = join(work, "rootfs");
    expect((await build(["-q", "-o", out, ctx])).code).toBe(0);
    expect(readFileSync(join(out, "marker"), "utf8")).toBe("from-dockerfile\n");
  }, 120_000);

  test("--pull asks the engine to pull the base image: offline, a local-only base is an error", async () => {
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\nRUN true\n` });
    const r = await build(["-q", "--pull", "-o", join(work, "rootfs"), ctx]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^minic: /);
    expect(existsSync(join(work, "rootfs"))).toBe(false);
  }, 120_000);

  test(".dockerignore is honoured, with ! exceptions; -f from outside the context; -q", async () => {
    const ctx = context({
      ".dockerignore": "secret*\nlogs/\n!logs/keep.log\n",
      "secret.txt": "no",
      "public.txt": "yes",
      "logs/drop.log": "no",
      "logs/keep.log": "kept",
    });
    const dockerfile = join(work, "Outside.Dockerfile");
    writeFileSync(dockerfile, `FROM ${BASE_IMAGE}\nCOPY . /ctx/\n`);
    const out = join(work, "rootfs");
    const r = await build(["-q", "-f", dockerfile, "-o", out, ctx]);
    expect(r.code).toBe(0);
    // -q: no progress on stderr; the image's id alone on stdout, as docker build -q prints it.
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(out, ".minic-rootfs"), "utf8")).image);
    const inside = await runIn(out, "cd /ctx && find . -type f | sort");
    expect(inside.stdout).toBe("./.dockerignore\n./logs/keep.log\n./public.txt\n");
  }, 120_000);

  test("a failing RUN shows its output and exit code; DIR stays as it was", async () => {
    const out = join(work, "rootfs");
    mkdirSync(out);
    writeFileSync(join(out, "precious"), "keep me");
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\nRUN echo output-before-failing; exit 3\n` });
    for (const quiet of [[], ["-q"]]) {
      const r = await build([...quiet, "--force", "-o", out, ctx]);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain("output-before-failing\n");
      expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(
        "minic: the build failed at step 2/2 (RUN echo output-before-failing; exit 3): The command '/bin/sh -c echo output-before-failing; exit 3' returned a non-zero code: 3",
      );
    }
    expect(readdirSync(out)).toEqual(["precious"]);
  }, 120_000);

  test("an interrupted export leaves DIR untouched and no temporary container", async () => {
    const out = join(work, "rootfs");
    mkdirSync(out);
    writeFileSync(join(out, ".minic-rootfs"), "{}\n");
    writeFileSync(join(out, "old"), "the previous build");
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\nRUN dd if=/dev/zero of=/big bs=1M count=512 2>/dev/null\n` });
    const child = spawn([MINIC, "build", "-o", out, ctx], {
      env: { ...process.env, MINIC_ROOT: work, DOCKER_HOST: engine.host },
      stdout: "ignore",
      stderr: "pipe",
    });
    // The hidden staging directory appears when the export starts streaming into it.
    await waitFor(() => readdirSync(work).some((name) => name.startsWith(".rootfs.minic-partial")), 90_000);
    child.kill("SIGINT");
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(130);
    expect(stderr.trimEnd().split("\n").at(-1)).toBe(`minic: build interrupted by SIGINT: ${out} was left as it was`);
    expect(readdirSync(out).sort()).toEqual([".minic-rootfs", "old"]);
  }, 120_000);

  test("a build killed with SIGKILL is cleaned up by the next one: its container and its partial rootfs", async () => {
    const out = join(work, "rootfs");
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\nRUN dd if=/dev/zero of=/big bs=1M count=512 2>/dev/null\n` });
    const child = spawn([MINIC, "build", "-q", "-o", out, ctx], {
      env: { ...process.env, MINIC_ROOT: work, DOCKER_HOST: engine.host },
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitFor(() => readdirSync(work).some((name) => name.startsWith(".rootfs.minic-partial")), 90_000);
    child.kill("SIGKILL");
    await child.exited;
    expect((await engine.containers()).length).toBe(containersBefore.length + 1);
    const next = await build(["-q", "-f", join(ctx, "Dockerfile.rootfs"), "-o", out, ctx]);
    expect(next.code).toBe(0);
    expect(existsSync(join(out, "big"))).toBe(true);
  }, 180_000);

  test("rootless: a user who may use the engine's socket builds; the image's owners are what their containers see", async () => {
    const user = testUser("minic-rootless", 600000);
    const world = rootlessWorld(user);
    const socket = engine.host.replace(/^unix:\/\//, "");
    // As `docker` asks: access to the engine's socket (a private test engine's is opened to all;
    // the machine's, through its group).
    const privateEngine = socket.includes("minic-dockerd-");
    if (privateEngine) {
      chmodSync(dirname(socket), 0o711);
      chmodSync(socket, 0o666);
    } else {
      Bun.spawnSync(["usermod", "-aG", Bun.spawnSync(["stat", "-c", "%G", socket]).stdout.toString().trim(), user.name]);
    }
    try {
      const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\nRUN echo made > /made && chown 1234:99 /made\n` });
      chmodSync(work, 0o755);
      const outDir = join(world.dir, "out");
      mkdirSync(outDir);
      chownSync(outDir, user.uid, user.gid);
      const out = join(outDir, "rootfs");
      const built = await world.run(["build", "-o", out, ctx], { env: { DOCKER_HOST: engine.host }, timeoutMs: 120_000 });
      expect({ code: built.code, stderr: built.code === 0 ? "" : built.stderr }).toEqual({ code: 0, stderr: "" });
      expect(statSync(out).uid).toBe(user.uid);
      expect(statSync(join(out, "made")).uid).toBe(600000 + 1233);
      const inside = await world.run(["run", "--rm", "--network", "none", "--rootfs", out, "stat", "-c", "%u:%g %n", "/made", "/bin/busybox"]);
      expect({ code: inside.code, stdout: inside.stdout }).toEqual({ code: 0, stdout: "1234:99 /made\n0:0 /bin/busybox\n" });
    } finally {
      if (privateEngine) {
        chmodSync(socket, 0o660);
        chmodSync(dirname(socket), 0o700);
      }
      world.close();
    }
  }, 120_000);

  test("the size summary counts the rootfs's symlinks as links: no loop through /dev/fd, nothing of the host's /etc", async () => {
    // A base image with what real ones have (Debian's /dev/fd -> /proc/self/fd, links to absolute
    // paths) and loops, imported as the suite's own base image is.
    const base = join(work, "base");
    expect(Bun.spawnSync(["cp", "-a", `${ROOTFS}/.`, base]).exitCode).toBe(0);
    symlinkSync("/proc/self/fd", join(base, "dev/fd"));
    symlinkSync("/etc", join(base, "hostetc"));
    mkdirSync(join(base, "loop"));
    symlinkSync("b", join(base, "loop/a"));
    symlinkSync("a", join(base, "loop/b"));
    symlinkSync("..", join(base, "loop/up"));
    const tar = spawn(["tar", "-C", base, "-c", "."], { stdout: "pipe" });
    const imported = await engine.api("/images/create?fromSrc=-&repo=minic-test-links&tag=latest", {
      method: "POST",
      body: tar.stdout,
      headers: { "Content-Type": "application/x-tar" },
      duplex: "half",
    } as RequestInit);
    expect(imported.status).toBe(200);
    await imported.text();
    expect(await tar.exited).toBe(0);

    try {
      const ctx = context({ "Dockerfile.rootfs": "FROM minic-test-links:latest\nRUN echo built > /built\n" });
      const out = join(work, "rootfs");
      /** Entries and bytes as the summary gives them, and as find counts them without following links. */
      async function counted(): Promise<{ summary: string; files: number; expected: string; found: number }> {
        const r = await build(["-o", out, ctx]);
        expect(r.stderr).not.toContain("minic:");
        expect(r.code).toBe(0);
        const summary = /^rootfs (.+): (\S+) in (\d+) files, built in [\d.]+s$/.exec(r.stderr.trimEnd().split("\n").at(-1) ?? "");
        expect(summary?.[1]).toBe(out);
        const find = Bun.spawnSync(["find", out, "-mindepth", "1", "-printf", "%s\n"], { stdout: "pipe", stderr: "pipe" });
        expect(find.exitCode).toBe(0);
        const sizes = find.stdout.toString().trimEnd().split("\n").map(Number);
        return { summary: summary?.[2] ?? "", files: Number(summary?.[3]), expected: humanSize(sizes.reduce((a, b) => a + b, 0)), found: sizes.length };
      }

      const first = await counted();
      // The links came through the export as they were, so the walk did meet them.
      expect(readlinkSync(join(out, "dev/fd"))).toBe("/proc/self/fd");
      expect(readlinkSync(join(out, "hostetc"))).toBe("/etc");
      expect(readlinkSync(join(out, "loop/a"))).toBe("b");
      expect(readlinkSync(join(out, "loop/up"))).toBe("..");
      expect(readFileSync(join(out, "built"), "utf8")).toBe("built\n");
      expect(first.files).toBe(first.found);
      expect(first.summary).toBe(first.expected);

      // A file added to the host's /etc must change nothing: the walk never reads the host.
      const hostFile = join("/etc", `minic-test-${process.pid}-${Date.now()}`);
      writeFileSync(hostFile, "x".repeat(4096));
      try {
        const second = await counted();
        expect(second).toEqual(first);
      } finally {
        rmSync(hostFile, { force: true });
      }
    } finally {
      await (await engine.api("/images/minic-test-links:latest", { method: "DELETE" })).text();
    }
  }, 180_000);

  test("a tag names the image", async () => {
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\nRUN touch /tagged\n` });
    expect((await build(["-t", "minic-test-tagged:v1", "-o", join(work, "rootfs"), ctx])).code).toBe(0);
    const image = await engine.api("/images/minic-test-tagged:v1/json");
    expect(image.status).toBe(200);
    await image.text();
    await (await engine.api("/images/minic-test-tagged:v1", { method: "DELETE" })).text();
  }, 120_000);
});

describe("minic build failures: one line, exit 125, nothing made", () => {
  async function fails(args: string[], message: string | RegExp, host?: string): Promise<void> {
    const r = await build(args, { host });
    expect(r.code).toBe(125);
    expect(r.stdout).toBe("");
    if (typeof message === "string") expect(r.stderr).toBe(`minic: ${message}\n`);
    else expect(r.stderr).toMatch(message);
  }

  test("no engine", async () => {
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\n` });
    await fails(["-o", join(work, "rootfs"), ctx], "cannot reach a Docker engine at unix:///nonexistent/docker.sock (no such socket) (start one with `dockerd`, or set DOCKER_HOST to one that runs)", "unix:///nonexistent/docker.sock");
    expect(existsSync(join(work, "rootfs"))).toBe(false);
  });

  test("missing Dockerfile, an output that is a file, an output minic did not make", async () => {
    const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\n` });
    await fails(["-f", join(work, "Nope"), ctx], `the Dockerfile ${join(work, "Nope")} does not exist (pass -f FILE, or put a Dockerfile.rootfs or a Dockerfile in the context)`);
    writeFileSync(join(work, "afile"), "x");
    await fails(["-o", join(work, "afile"), ctx], `the output ${join(work, "afile")} is a file, not a directory`);
    mkdirSync(join(work, "mine"));
    writeFileSync(join(work, "mine", "data"), "x");
    await fails(["-o", join(work, "mine"), ctx], `the output ${join(work, "mine")} exists and was not made by minic build (pass --force to replace it)`);
    expect(readFileSync(join(work, "mine", "data"), "utf8")).toBe("x");
  });

  test("an unreachable base image", async () => {
    const ctx = context({ "Dockerfile.rootfs": "FROM minic-test-missing/base:1\n" });
    await fails(["-q", "-o", join(work, "rootfs"), ctx], /^(Step 1\/1 : FROM .*\n)?minic: the base image "minic-test-missing\/base:1" is not available: .+\n$/);
    expect(existsSync(join(work, "rootfs"))).toBe(false);
  }, 60_000);

  test("no space left: the partial rootfs is removed", async () => {
    const small = join(work, "small");
    mkdirSync(small);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small]).exitCode).toBe(0);
    try {
      const ctx = context({ "Dockerfile.rootfs": `FROM ${BASE_IMAGE}\n` });
      await fails(["-q", "-o", join(small, "rootfs"), ctx], `no space left on device while writing the rootfs for ${join(small, "rootfs")}`);
      expect(readdirSync(small)).toEqual([]);
    } finally {
      Bun.spawnSync(["umount", small]);
    }
  }, 60_000);
});
