// Containers as records: names, ps, rm, --rm, and recovery after minic itself is killed.
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { isolatedContainers, leftovers, MINIC, minic, ROOTFS, tree, waitFor, withCgroupParent } from "../support/minic.ts";

// Each test: a private state directory and this file's own cgroup parent, nothing left after.
const stateRoot = isolatedContainers("lifecycle");
let root = "";
beforeEach(() => {
  root = stateRoot();
});

const runIn = (args: string[]) => minic(["run", "--rootfs", ROOTFS, ...args], root);

function readState(): { id: string; status: string; process: { pid: number } | null; owner: { pid: number } | null }[] {
  const dir = join(root, "containers");
  if (!existsSync(dir)) return [];
  return tree(dir)
    .filter((path) => path.endsWith("/state.json"))
    .map((path) => JSON.parse(readFileSync(join(dir, path), "utf8")));
}

describe("container lifecycle", () => {
  test("without --rm the container stays listed with its exit code until rm", async () => {
    expect((await runIn(["--name", "keep", "sh", "-c", "echo x > /file; exit 4"])).code).toBe(4);
    const ps = await minic(["ps", "-a"], root);
    // Docker's columns, in Docker's order; the rootfs where Docker names the image.
    expect(ps.stdout).toMatch(/^CONTAINER ID {3}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n/);
    expect(ps.stdout).toMatch(/ "sh -c echo x > \/fil…" .* keep\n/); // cut at 20, as Docker cuts it
    expect(ps.stdout).toContain("Exited (4)");
    expect((await minic(["ps"], root)).stdout).not.toContain("keep");
    const [record] = readState();
    expect(existsSync(join(root, "containers", record?.id ?? "", "upper", "file"))).toBe(true);

    const rm = await minic(["rm", "keep"], root);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe("keep\n");
    expect(tree(join(root, "containers"))).toEqual([]);
    expect(tree(join(root, "names"))).toEqual([]);
  });

  test("rm takes a unique id prefix; ps -q prints short ids", async () => {
    await runIn(["true"]);
    const ids = (await minic(["ps", "-aq"], root)).stdout.trim();
    expect(ids).toMatch(/^[0-9a-f]{12}$/);
    expect((await minic(["rm", ids.slice(0, 5)], root)).code).toBe(0);
    expect((await minic(["ps", "-aq"], root)).stdout).toBe("");
  });

  test("--rm leaves nothing behind", async () => {
    expect((await runIn(["--rm", "--name", "gone", "sh", "-c", "touch /x"])).code).toBe(0);
    expect(tree(join(root, "containers"))).toEqual([]);
    expect(tree(join(root, "names"))).toEqual([]);
  });

  test("a name is unique while its container exists, and free again after rm", async () => {
    await runIn(["--name", "dup", "true"]);
    const second = await runIn(["--name", "dup", "true"]);
    expect(second.code).toBe(125);
    expect(second.stderr).toMatch(/^minic: the container name "dup" is already in use by container [0-9a-f]{12} \(remove that container/);
    expect(readState().length).toBe(1);
    await minic(["rm", "dup"], root);
    expect((await runIn(["--name", "dup", "true"])).code).toBe(0);
  });

  test("bad names are refused", async () => {
    const r = await runIn(["--name", "-bad/name", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toStartWith('minic: invalid container name "-bad/name"');
  });

  test("rm refuses a running container and an unknown one", async () => {
    const running = spawn([MINIC, ...withCgroupParent(["run", "--rootfs", ROOTFS, "--name", "busy", "sleep", "30"])], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitFor(() => readState()[0]?.status === "running");
    const refused = await minic(["rm", "busy"], root);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toBe("minic: cannot remove container busy: it is running (stop it first (minic kill), or use minic rm -f)\n");
    expect((await minic(["ps"], root)).stdout).toContain("busy");
    const unknown = await minic(["rm", "nobody-here"], root);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toBe("minic: no such container: nobody-here\n");
    running.kill("SIGKILL");
    await running.exited;
  });

  test("if minic is killed with SIGKILL the container dies too; ps shows it exited and deletes nothing; rm cleans up", async () => {
    const keep = spawn([MINIC, ...withCgroupParent(["run", "--rootfs", ROOTFS, "--name", "orphan", "sleep", "600"])], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: "ignore",
      stderr: "ignore",
    });
    const removed = spawn([MINIC, ...withCgroupParent(["run", "--rm", "--rootfs", ROOTFS, "--name", "orphan-rm", "sleep", "600"])], {
      env: { ...process.env, MINIC_ROOT: root },
      stdout: "ignore",
      stderr: "ignore",
    });
    await waitFor(() => readState().filter((r) => r.status === "running").length === 2);
    const pids = readState().map((r) => r.process?.pid ?? 0);
    keep.kill("SIGKILL");
    removed.kill("SIGKILL");
    await Promise.all([keep.exited, removed.exited]);
    await waitFor(() => pids.every((pid) => !existsSync(`/proc/${pid}`)));

    const ps = await minic(["ps", "-a"], root);
    expect(ps.stdout).toMatch(/ Exited \(137\) .* orphan\n/);
    expect(ps.stdout).toMatch(/ Exited \(137\) .* orphan-rm\n/);
    expect(readState().length).toBe(2);
    expect((await minic(["rm", "orphan", "orphan-rm"], root)).code).toBe(0);
    expect(readState().length).toBe(0);
    expect(tree(join(root, "names"))).toEqual([]);
  });

  test("--dry-run prints the spec and the plan and creates nothing", async () => {
    const r = await minic(["run", "--dry-run", "--rootfs", ROOTFS, "--name", "dry", "echo", "hi"], root);
    expect(r.code).toBe(0);
    const { spec, plan } = JSON.parse(r.stdout);
    expect(spec.process.args).toEqual(["echo", "hi"]);
    expect(spec.hostname).toBe("dry");
    expect(plan.cloneFlags).toContain("CLONE_NEWPID");
    expect(plan.ops.at(-1).op).toBe("execve");
    // No container, name or record: only caches (the executor library resolves -u; the seccomp
    // program is compiled for the plan).
    expect(leftovers(root)).toEqual([]);
    expect(tree(root).filter((path) => /^(containers|names)/.test(path))).toEqual([]);
  });
});
