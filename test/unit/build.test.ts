import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBuildArgs } from "../../src/cli/build.ts";
import { resolveBuildArgs } from "../../src/image/build.ts";
import { followBuild, parseBuildMessage } from "../../src/image/build-stream.ts";
import { contextFiles, contextStream } from "../../src/image/context.ts";
import { isIgnored, parseDockerignore } from "../../src/image/dockerignore.ts";
import { entryHeader } from "../../src/image/tar.ts";
import { engineFromEnv } from "../../src/image/engine.ts";
import { checkOutput } from "../../src/image/rootfs-output.ts";

describe(".dockerignore", () => {
  const ignored = (rules: string, path: string) => isIgnored(parseDockerignore(rules), path);

  test("Docker's patterns: segments, **, directories, cleaning, comments", () => {
    expect(ignored("*.log", "a.log")).toBe(true);
    expect(ignored("*.log", "dir/a.log")).toBe(false); // * stays within a segment
    expect(ignored("**/*.log", "dir/sub/a.log")).toBe(true);
    expect(ignored("**/*.log", "a.log")).toBe(true);
    expect(ignored("node_modules", "node_modules/x/y.js")).toBe(true); // a directory takes its contents
    expect(ignored("/build/", "build/out")).toBe(true); // leading and trailing / cleaned
    expect(ignored("./tmp/../cache", "cache/f")).toBe(true);
    expect(ignored("file?.txt", "file1.txt")).toBe(true);
    expect(ignored("file?.txt", "file10.txt")).toBe(false);
    expect(ignored("[ab].txt", "b.txt")).toBe(true);
    // Docker's classes are Go regexp's: `^` negates, `!` is a character (not a shell's negation).
    expect(ignored("[!a]bc", "!bc")).toBe(true);
    expect(ignored("[!a]bc", "abc")).toBe(true);
    expect(ignored("[!a]bc", "xbc")).toBe(false);
    expect(ignored("[^a]bc", "xbc")).toBe(true);
    expect(ignored("[^a]bc", "abc")).toBe(false);
    expect(ignored("file[0-9].log", "file7.log")).toBe(true);
    expect(ignored("a.b", "axb")).toBe(false); // . is literal
    expect(ignored("# comment\n\n  spaced.txt  ", "spaced.txt")).toBe(true);
    expect(ignored("# comment", "# comment")).toBe(false);
    // A leading ** with nothing else special is moby's suffix match; a trailing one its prefix match.
    expect(ignored("**.log", "a/b/x.log")).toBe(true);
    expect(ignored("**.log", "x.log")).toBe(true);
    expect(ignored("**foo", "barfoo")).toBe(true);
    expect(ignored("**/foo", "foo")).toBe(true);
    expect(ignored("**/foo", "barfoo")).toBe(false);
    expect(ignored("build**", "build-cache/x")).toBe(true);
    // moby escapes only .+()|{}$: a ^ is the regular expression's anchor and matches nothing there.
    expect(ignored("a^b*", "a^bc")).toBe(false);
    expect(ignored("a$b", "a$b")).toBe(true);
    // What Docker refuses is refused, by name.
    expect(() => parseDockerignore("!\n")).toThrow('.dockerignore: illegal exclusion pattern: "!"');
    expect(() => parseDockerignore("file[.txt\n")).toThrow('.dockerignore: syntax error in pattern "file[.txt"');
    for (const pattern of ["[]a]", "[^]", "[a-]", "[-a]", "a\\"]) expect(() => parseDockerignore(pattern)).toThrow(`syntax error in pattern "${pattern}"`);
    for (const pattern of ["[a-c]x", "[^a]b", "[\\]]x", "x\\*"]) expect(() => parseDockerignore(pattern)).not.toThrow();
  });

  test("! re-includes; the last match wins", () => {
    const rules = "*.md\n!README.md\nlogs\n!logs/keep.log\n";
    expect(ignored(rules, "NOTES.md")).toBe(true);
    expect(ignored(rules, "README.md")).toBe(false);
    expect(ignored(rules, "logs/drop.log")).toBe(true);
    expect(ignored(rules, "logs/keep.log")).toBe(false);
    expect(ignored("!x\nx", "x")).toBe(true);
    expect(ignored("*\n!app/", "app/hello.py")).toBe(false);
    expect(ignored("*\n!app/", "minic")).toBe(true);
  });
});

describe("the build context", () => {
  test("is a tar the system's tar reads: files, modes, symlinks, long names, ignored files left out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minic-ctx-"));
    const tarPath = `${dir}.tar`;
    try {
      const long = `${"d".repeat(90)}/${"e".repeat(90)}/${"f".repeat(120)}`;
      mkdirSync(join(dir, long, ".."), { recursive: true });
      writeFileSync(join(dir, long), "deep");
      writeFileSync(join(dir, "Dockerfile.rootfs"), "FROM x\n");
      writeFileSync(join(dir, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
      writeFileSync(join(dir, "big.bin"), Buffer.alloc(700_000, 7));
      writeFileSync(join(dir, "skip.tmp"), "no");
      writeFileSync(join(dir, ".dockerignore"), "*.tmp\nDockerfile.rootfs\n");
      symlinkSync("run.sh", join(dir, "link"));
      linkSync(join(dir, "big.bin"), join(dir, "same.bin"));
      const files = contextFiles(dir, "Dockerfile.rootfs");
      expect(files.map((file) => file.name)).not.toContain("skip.tmp");
      expect(files.map((file) => file.name)).toContain("Dockerfile.rootfs"); // always sent
      const chunks: Uint8Array[] = [];
      for await (const chunk of contextStream(files, [{ name: "extra.txt", data: new TextEncoder().encode("added") }])) chunks.push(chunk);
      writeFileSync(tarPath, Buffer.concat(chunks));
      const listing = spawnSync("tar", ["-tvf", tarPath], { encoding: "utf8" });
      expect(listing.status).toBe(0);
      const lines = listing.stdout.trim().split("\n");
      expect(lines.find((line) => line.endsWith(" run.sh") && !line.includes("->"))).toMatch(/^-rwxr-xr-x 0\/0 +10 /);
      expect(lines.find((line) => line.includes(" link -> run.sh"))).toMatch(/^lrwx/);
      expect(lines.find((line) => line.endsWith(" big.bin"))).toMatch(/ 700000 /);
      expect(lines.some((line) => line.endsWith(` ${long}`))).toBe(true);
      expect(lines.some((line) => line.endsWith(" extra.txt"))).toBe(true);
      expect(lines.some((line) => line.includes("skip.tmp"))).toBe(false);
      // The second name of a file is a hard link to the first, not a second copy of its data.
      const names = ["big.bin", "same.bin"].filter((name) => lines.some((line) => line.endsWith(` ${name}`)));
      expect(lines.some((line) => /^h.* (big|same)\.bin link to (same|big)\.bin$/.test(line))).toBe(true);
      expect(names.length + lines.filter((line) => line.includes(" link to ")).length).toBe(2);
      expect(Buffer.concat(chunks).length).toBeLessThan(2 * 700_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(tarPath, { force: true });
    }
  });

  test("a file of 8 GiB or more carries its size in a pax record", () => {
    const size = 9 * 1024 ** 3;
    const blocks = entryHeader({ type: "file", name: "huge.img", mode: 0o644, mtime: 0, size });
    const text = new TextDecoder().decode(Buffer.concat(blocks));
    expect(text).toContain(`size=${size}\n`);
    const small = entryHeader({ type: "file", name: "small.img", mode: 0o644, mtime: 0, size: 1024 });
    expect(small.length).toBe(1);
    // GNU tar reads it back: the entry is listed with its whole size before the (absent) data.
    const listed = Bun.spawnSync(["tar", "-tvf", "-"], { stdin: Buffer.concat(blocks), stdout: "pipe", stderr: "pipe" });
    expect(listed.stdout.toString()).toMatch(new RegExp(`^-rw-r--r-- \\S+ +${size} \\S+ \\S+ huge\\.img\\n$`));
  });
});

describe("the build's answer", () => {
  const stream = (lines: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        // Split in odd places: messages and lines arrive in pieces.
        const text = lines.join("\n");
        for (let i = 0; i < text.length; i += 7) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 7)));
        controller.close();
      },
    });

  test("messages", () => {
    expect(parseBuildMessage('{"stream":"Step 1/2 : FROM x"}')).toEqual({ kind: "output", text: "Step 1/2 : FROM x" });
    expect(parseBuildMessage('{"aux":{"ID":"sha256:ab"}}')).toEqual({ kind: "image", id: "sha256:ab" });
    expect(parseBuildMessage('{"status":"Pulling fs layer","id":"a1"}')).toEqual({ kind: "status", text: "a1: Pulling fs layer" });
    expect(parseBuildMessage('{"status":"Downloading","progressDetail":{"current":1},"id":"a1"}')).toBeNull();
    expect(parseBuildMessage('{"errorDetail":{"code":3,"message":"m"},"error":"m"}')).toEqual({ kind: "error", message: "m", code: 3 });
  });

  test("lines are reported whole and the image id returned", async () => {
    const lines: string[] = [];
    const id = await followBuild(
      stream(['{"stream":"Step 1/2 : FROM x"}', '{"stream":"\\n"}', '{"stream":"hello\\nwor"}', '{"stream":"ld\\n"}', '{"aux":{"ID":"sha256:ff"}}']),
      { line: (text) => lines.push(text) },
      false,
    );
    expect(id).toBe("sha256:ff");
    expect(lines).toEqual(["Step 1/2 : FROM x", "hello", "world"]);
  });

  test("a failing step: its output even when quiet, then the error with the step", async () => {
    const lines: string[] = [];
    const failing = stream([
      '{"stream":"Step 1/2 : FROM x\\n"}', '{"stream":"Step 2/2 : RUN make\\n"}', '{"stream":"cc: error\\n"}',
      '{"errorDetail":{"code":2,"message":"returned a non-zero code: 2"},"error":"returned a non-zero code: 2"}',
    ]);
    await expect(followBuild(failing, { line: (text) => lines.push(text) }, true)).rejects.toThrow(
      "the build failed at step 2/2 (RUN make): returned a non-zero code: 2",
    );
    expect(lines).toEqual(["Step 2/2 : RUN make", "cc: error"]);
    const pull = stream(['{"stream":"Step 1/1 : FROM --platform=linux/amd64 alpine:3.20\\n"}', '{"error":"no such host"}']);
    await expect(followBuild(pull, { line: () => {} }, false)).rejects.toThrow('the base image "alpine:3.20" is not available: no such host');
    await expect(followBuild(stream(['{"stream":"Step 1/1 : FROM x\\n"}']), { line: () => {} }, false)).rejects.toThrow(/without an image id/);
  });
});

describe("build options", () => {
  test("DOCKER_HOST", () => {
    expect(engineFromEnv(undefined)).toEqual({ address: "unix:///var/run/docker.sock", socket: "/var/run/docker.sock", baseUrl: "http://docker/v1.41" });
    expect(engineFromEnv("unix:///run/user/0/docker.sock").socket).toBe("/run/user/0/docker.sock");
    expect(engineFromEnv("tcp://10.0.0.2:2375")).toMatchObject({ socket: null, baseUrl: "http://10.0.0.2:2375/v1.41" });
    expect(() => engineFromEnv("ssh://me@host")).toThrow(/not supported/);
  });

  test("--build-arg K=V, or K from the environment", () => {
    expect(resolveBuildArgs(["A=1", "B=", "C=x=y", "HOME_DIR", "UNSET"], { HOME_DIR: "/root" })).toEqual({ A: "1", B: "", C: "x=y", HOME_DIR: "/root" });
    expect(() => resolveBuildArgs(["=v"], {})).toThrow('invalid --build-arg "=v"');
  });

  test("flags and defaults", () => {
    expect(parseBuildArgs([]).options).toEqual({
      file: null, context: ".", output: "./rootfs", tag: null, buildArgs: [], network: null, quiet: false, force: false,
      target: null, noCache: false, pull: false, labels: [],
    });
    const { options } = parseBuildArgs(["-f", "D", "-o", "out", "-t", "img:1", "--build-arg", "A=1", "--network", "none", "-q", "--force", "--target", "base", "--no-cache", "--pull", "--label", "a=b", "ctx"]);
    expect(options).toEqual({
      file: "D", context: "ctx", output: "out", tag: "img:1", buildArgs: ["A=1"], network: "none", quiet: true, force: true,
      target: "base", noCache: true, pull: true, labels: ["a=b"],
    });
    expect(() => parseBuildArgs(["a", "b"])).toThrow(/one context directory/);
  });

  test("the output: new, empty or minic's is fine; a file, a symlink or someone else's directory is not", () => {
    const dir = mkdtempSync(join(tmpdir(), "minic-out-"));
    try {
      expect(() => checkOutput(join(dir, "new"), false)).not.toThrow();
      mkdirSync(join(dir, "empty"));
      expect(() => checkOutput(join(dir, "empty"), false)).not.toThrow();
      mkdirSync(join(dir, "ours"));
      writeFileSync(join(dir, "ours", ".minic-rootfs"), "{}");
      writeFileSync(join(dir, "ours", "x"), "");
      expect(() => checkOutput(join(dir, "ours"), false)).not.toThrow();
      mkdirSync(join(dir, "theirs"));
      writeFileSync(join(dir, "theirs", "x"), "");
      expect(() => checkOutput(join(dir, "theirs"), false)).toThrow(/was not made by minic build/);
      expect(() => checkOutput(join(dir, "theirs"), true)).not.toThrow();
      writeFileSync(join(dir, "file"), "");
      expect(() => checkOutput(join(dir, "file"), true)).toThrow(/is a file/);
      symlinkSync("ours", join(dir, "link"));
      expect(() => checkOutput(join(dir, "link"), true)).toThrow(/symbolic link/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
