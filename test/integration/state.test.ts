// The state store's guarantees, on real containers: damaged records never break other commands
// and are never deleted silently, a full disk deletes no container, a damaged executor cache is
// rewritten, a bad MINIC_ROOT is one line, and `rm` racing `run` is always consistent.
import { beforeEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "bun";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isolatedContainers, MINIC, minic, ROOTFS, withCgroupParent } from "../support/minic.ts";

// Each test: a private state directory and this file's own cgroup parent, nothing left after.
const stateRoot = isolatedContainers("state");
let root = "";
beforeEach(() => {
  root = stateRoot();
});

const run = (args: string[]) => minic(["run", "--rootfs", ROOTFS, ...args], root);
const idOf = (name: string) => readlinkSync(join(root, "names", name));
const stateFile = (name: string) => join(root, "containers", idOf(name), "state.json");

describe("damaged records", () => {
  test("are listed with their reason, block no other command, survive reads, and go only with rm -f", async () => {
    for (const name of ["truncated", "shapeless", "healthy"]) expect((await run(["--name", name, "true"])).code).toBe(0);
    const truncated = readFileSync(stateFile("truncated"), "utf8").trimEnd();
    writeFileSync(stateFile("truncated"), truncated.slice(0, truncated.length / 2));
    writeFileSync(stateFile("shapeless"), JSON.stringify({ schemaVersion: 2, id: idOf("shapeless"), status: 5 }));
    const truncatedId = idOf("truncated");

    const ps = await minic(["ps", "-a"], root);
    expect(ps.code).toBe(0);
    expect(ps.stderr).toBe("");
    expect(ps.stdout).toMatch(/ "true" +.*Exited \(0\) .* healthy\n/);
    expect(ps.stdout).toContain(`${truncatedId.slice(0, 12)}   `);
    expect(ps.stdout).toMatch(/Damaged: state\.json is not valid JSON/);
    expect(ps.stdout).toMatch(/Damaged: state\.json has no field "name"|Damaged: state\.json: field "name"/);
    // Other commands work beside them.
    expect((await run(["--rm", "true"])).code).toBe(0);
    expect((await minic(["stats"], root)).code).toBe(0);
    expect((await minic(["rm", "healthy"], root)).code).toBe(0);
    // Reads never delete: the damaged records are still there, byte for byte.
    expect(readFileSync(join(root, "containers", truncatedId, "state.json"), "utf8")).toBe(truncated.slice(0, truncated.length / 2));

    const refused = await minic(["rm", "truncated"], root);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/^minic: cannot remove container truncated: its record is damaged \(state\.json is not valid JSON.*\) \(remove it with minic rm -f\)\n$/);
    const exec = await minic(["exec", "truncated", "true"], root);
    expect(exec.code).toBe(125);
    expect(exec.stderr).toMatch(/^minic: container truncated cannot be used: state\.json is not valid JSON/);
    expect((await minic(["rm", "-f", "truncated", "shapeless"], root)).code).toBe(0);
    expect(readdirSync(join(root, "containers"))).toEqual([]);
    expect(readdirSync(join(root, "names"))).toEqual([]);
  });

  test("a directory without a record blocks no name", async () => {
    const stale = "f".repeat(64);
    mkdirSync(join(root, "containers", stale), { recursive: true });
    mkdirSync(join(root, "names"), { recursive: true });
    symlinkSync(stale, join(root, "names", "taken"));
    const r = await run(["--rm", "--name", "taken", "hostname"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("taken\n");
    // Listed, not deleted: minic does not know what it was.
    expect((await minic(["ps", "-a"], root)).stdout).toContain("Damaged: the directory has no state.json");
    expect(existsSync(join(root, "containers", stale))).toBe(true);
  });

  test("rm -f kills a running container and removes it, cgroup and all", async () => {
    const sleeper = spawn([MINIC, ...withCgroupParent(["run", "--rootfs", ROOTFS, "--name", "doomed", "--memory", "64m", "sleep", "600"])], { env: { ...process.env, MINIC_ROOT: root }, stdout: "ignore", stderr: "pipe" });
    const deadline = Date.now() + 5000;
    while (!(await minic(["ps"], root)).stdout.includes("doomed") && Date.now() < deadline) await Bun.sleep(20);
    expect((await minic(["rm", "doomed"], root)).code).toBe(125);
    expect((await minic(["rm", "-f", "doomed"], root)).stdout).toBe("doomed\n");
    expect(await sleeper.exited).toBe(137);
    // The run it belonged to ends quietly: its container was removed on purpose.
    expect(await new Response(sleeper.stderr).text()).toBe("");
    expect(readdirSync(join(root, "containers"))).toEqual([]);
  });
});

describe("a full disk", () => {
  test("deletes no container: the layer and record stay, the exit status is recorded, minic says so", async () => {
    const small = join(root, "small");
    mkdirSync(small);
    expect(spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small]).exitCode).toBe(0);
    try {
      // No network: releasing its address lease would free the block the record then needs.
      const r = await minic(["run", "--network", "none", "--rootfs", ROOTFS, "--name", "filler", "sh", "-c", "dd if=/dev/zero of=/fill bs=64k 2>/dev/null; exit 3"], small);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^minic: warning: the disk holding .* is full: what container filler wrote last may be missing; its layer and record are kept\n$/);
      const ps = await minic(["ps", "-a"], small);
      expect(ps.stdout).toMatch(/ Exited \(3\) .* filler\n/);
      const id = readlinkSync(join(small, "names", "filler"));
      expect(statSync(join(small, "containers", id, "upper", "fill")).size).toBeGreaterThan(1024 * 1024);
      expect(JSON.parse(readFileSync(join(small, "containers", id, "state.json"), "utf8")).exitCode).toBe(3);
      expect((await minic(["rm", "filler"], small)).code).toBe(0);
    } finally {
      spawnSync(["umount", small]);
    }
  });
});

describe("the state directory", () => {
  test("a truncated executor cache is rewritten, not loaded", async () => {
    expect((await run(["--rm", "true"])).code).toBe(0);
    const [cache] = readdirSync(root).filter((name) => /^executor-[0-9a-z]+\.so$/.test(name));
    expect(cache).toBeDefined();
    const path = join(root, cache ?? "");
    const size = statSync(path).size;
    truncateSync(path, 100);
    const r = await run(["--rm", "echo", "fine"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("fine\n");
    expect(statSync(path).size).toBe(size);
  });

  test("a read-only or unusable MINIC_ROOT is one line naming the cause, and leaves nothing", async () => {
    const readonly = join(root, "ro");
    mkdirSync(readonly);
    expect(spawnSync(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", readonly]).exitCode).toBe(0);
    try {
      const r = await minic(["run", "--rootfs", ROOTFS, "true"], readonly);
      expect(r.code).toBe(125);
      expect(r.stderr).toBe(`minic: cannot write the executor library to ${readonly}: read-only file system (minic keeps its state in MINIC_ROOT (default /var/lib/minic, or ~/.local/share/minic for an ordinary user))\n`);
    } finally {
      spawnSync(["umount", readonly]);
    }
    const file = join(root, "a-file");
    writeFileSync(file, "");
    const under = await minic(["run", "--rootfs", ROOTFS, "true"], join(file, "state"));
    expect(under.code).toBe(125);
    expect(under.stderr).toStartWith(`minic: cannot write the executor library to ${join(file, "state")}: not a directory`);
  });
});

describe("rm racing run", () => {
  test("200 races: rm either removes a stopped container or refuses; run always ends as its workload did", async () => {
    let removed = 0;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      // No network: its setup (a CNI ADD, ~150 ms) would move every run past the window rm races for.
      const runner = spawn([MINIC, ...withCgroupParent(["run", "--network", "none", "--rootfs", ROOTFS, "--name", "race", "true"])], { env: { ...process.env, MINIC_ROOT: root }, stdout: "pipe", stderr: "pipe" });
      await Bun.sleep(i % 20);
      const rm = await minic(["rm", "race"], root);
      const [code, stderr] = await Promise.all([runner.exited, new Response(runner.stderr).text()]);
      expect({ i, code, stderr }).toEqual({ i, code: 0, stderr: "" });
      if (rm.code === 0) {
        removed++;
        expect(existsSync(join(root, "names", "race"))).toBe(false);
      } else {
        refused++;
        expect(rm.stderr).toMatch(/^minic: (no such container: race|cannot remove container race: it is (running|being started) .*)\n$/);
        expect((await minic(["rm", "race"], root)).code).toBe(0);
      }
    }
    // Both outcomes happened, so the race was really run.
    expect(removed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 180_000);
});
