// Detached containers: `run -d` under conmon, logs, stop, wait, exec and rm on them, --rm, -t,
// and that nothing of theirs (conmon, process, cgroup, bundle) outlives them.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { isolatedContainers, leftovers, MINIC, minic, minicCgroups, ROOTFS, waitFor } from "../support/minic.ts";

const stateRoot = isolatedContainers("detached");

const run = (args: string[]) => minic(["run", "-d", "--rootfs", ROOTFS, ...args], stateRoot());

/** conmon processes watching containers of this test's state directory. */
function monitors(): number[] {
  const root = stateRoot();
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return cmdline[0]?.endsWith("conmon") === true && cmdline.some((arg) => arg.startsWith(join(root, "bundles")));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function status(ref: string): Promise<string> {
  const listed = await minic(["ps", "-a"], stateRoot());
  // The STATUS column: from its word up to the gap before PORTS.
  return /  ((Up|Exited|Created|Restarting)\b.*?)  /.exec(listed.stdout.split("\n").find((line) => line.endsWith(` ${ref}`)) ?? "")?.[1] ?? "";
}

describe("run -d", () => {
  test("prints the id once the process runs; logs keeps stdout and stderr apart; wait gives the exit code; conmon goes with it", async () => {
    const started = await run(["--name", "counter", "sh", "-c", "for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.2; done; exit 3"]);
    expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: "" });
    expect(started.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(await status("counter")).toStartWith("Up");
    expect(monitors().length).toBe(1);
    const waited = await minic(["wait", "counter"], stateRoot());
    expect(waited.stdout).toBe("3\n");
    expect(await status("counter")).toStartWith("Exited (3)");
    const logs = await minic(["logs", "counter"], stateRoot());
    expect({ stdout: logs.stdout, stderr: logs.stderr }).toEqual({ stdout: "out 1\nout 2\nout 3\n", stderr: "err 1\nerr 2\nerr 3\n" });
    // --tail counts lines of both streams, as Docker's does.
    const tail = await minic(["logs", "--tail", "2", "counter"], stateRoot());
    expect({ stdout: tail.stdout, stderr: tail.stderr }).toEqual({ stdout: "out 3\n", stderr: "err 3\n" });
    expect((await minic(["logs", "-t", "counter"], stateRoot())).stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\S* out 1\n/);
    await waitFor(() => monitors().length === 0);
    expect(minicCgroups()).toEqual([]);
  });

  test("logs -f follows until the container stops", async () => {
    await run(["--name", "slow", "sh", "-c", "echo first; sleep 0.5; echo second"]);
    const follow = await minic(["logs", "-f", "slow"], stateRoot(), { timeoutMs: 10_000 });
    expect({ code: follow.code, stdout: follow.stdout }).toEqual({ code: 0, stdout: "first\nsecond\n" });
    // A reader that leaves ends the follow, as SIGPIPE ends Docker's CLI (141).
    await run(["--name", "chatty", "sh", "-c", "while true; do echo line; sleep 0.05; done"]);
    const piped = Bun.spawnSync(["bash", "-c", `${MINIC} logs -f chatty | head -1; echo "status \${PIPESTATUS[0]}"`], { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "pipe", timeout: 10_000 });
    expect({ code: piped.exitCode, stdout: piped.stdout.toString() }).toEqual({ code: 0, stdout: "line\nstatus 141\n" });
  });

  test("stop: TERM first, a workload that handles it ends at once; one that ignores it is killed after -t", async () => {
    await run(["--name", "polite", "sh", "-c", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.05; done"]);
    await run(["--name", "stubborn", "sh", "-c", "trap '' TERM; while true; do sleep 0.05; done"]);
    await run(["--name", "quitter", "--stop-signal", "QUIT", "sh", "-c", "trap 'echo got QUIT; exit 4' QUIT; while true; do sleep 0.05; done"]);
    const before = Date.now();
    expect((await minic(["stop", "polite", "quitter"], stateRoot())).stdout).toBe("polite\nquitter\n");
    expect(Date.now() - before).toBeLessThan(3000);
    expect(await status("polite")).toStartWith("Exited (0)");
    expect((await minic(["logs", "polite"], stateRoot())).stdout).toBe("got TERM\n");
    expect(await status("quitter")).toStartWith("Exited (4)");
    const killed = Date.now();
    expect((await minic(["stop", "-t", "1", "stubborn"], stateRoot())).code).toBe(0);
    expect(Date.now() - killed).toBeGreaterThanOrEqual(1000);
    expect(await status("stubborn")).toStartWith("Exited (137)");
    // A stopped container stops again without complaint, as Docker's does.
    expect((await minic(["stop", "polite"], stateRoot())).code).toBe(0);
    // -s: another signal than the container's, as Docker's stop --signal; a bad one touches nothing.
    await run(["--name", "hangup", "sh", "-c", "trap 'exit 6' HUP; while true; do sleep 0.05; done"]);
    const bad = await minic(["stop", "-s", "SIGNOPE", "hangup"], stateRoot());
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 125, stderr: "minic: invalid signal: SIGNOPE\n" });
    expect(await status("hangup")).toStartWith("Up");
    expect((await minic(["stop", "-s", "SIGHUP", "-t", "5", "hangup"], stateRoot())).code).toBe(0);
    expect(await status("hangup")).toStartWith("Exited (6)");
    await waitFor(() => monitors().length === 0);
  });

  test("exec and kill reach it; rm -f stops and removes it; --rm removes it when it exits", async () => {
    await run(["--name", "svc", "sleep", "60"]);
    const exec = await minic(["exec", "svc", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"], stateRoot());
    expect(exec.stdout).toBe("sleep 60 ");
    expect((await minic(["rm", "-f", "svc"], stateRoot())).code).toBe(0);
    expect(await status("svc")).toBe("");
    await run(["--rm", "--name", "brief", "true"]);
    await waitFor(() => !readdirSync(join(stateRoot(), "containers")).some((id) => !id.startsWith(".")));
    expect(existsSync(join(stateRoot(), "bundles")) ? readdirSync(join(stateRoot(), "bundles")) : []).toEqual([]);
    await waitFor(() => monitors().length === 0);
    expect(leftovers(stateRoot())).toEqual([]);
  });

  test("-t: the process has a terminal that conmon holds, its output in the log; -i keeps stdin open", async () => {
    await run(["-t", "--name", "tty", "sh", "-c", "test -t 1 && echo on-a-tty"]);
    expect((await minic(["wait", "tty"], stateRoot())).stdout).toBe("0\n");
    expect((await minic(["logs", "tty"], stateRoot())).stdout.replace(/\r/g, "")).toBe("on-a-tty\n");
    // -i keeps stdin open through conmon: cat waits on it instead of ending at once; -it gets both.
    await run(["-i", "--name", "reader", "cat"]);
    await run(["-it", "--name", "shell", "sh"]);
    await Bun.sleep(300);
    expect(await status("reader")).toStartWith("Up");
    expect(await status("shell")).toStartWith("Up");
    expect((await minic(["exec", "shell", "readlink", "/proc/1/fd/0"], stateRoot())).stdout).toMatch(/^\/dev\/pts\/\d+\n$/);
  });

  test("thirty at once, then all stopped and removed: no conmon, process, cgroup or bundle left", async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => run(["--name", `many${i}`, "sleep", "60"]).then((r) => r.stdout.trim())));
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    expect(monitors().length).toBe(30);
    const pids = ids.map((id) => JSON.parse(readFileSync(join(stateRoot(), "containers", id, "state.json"), "utf8")).process.pid as number);
    // sleep as PID 1 has no TERM handler, so the kernel drops TERM: SIGKILL after a second.
    expect((await minic(["stop", "-t", "1", ...ids], stateRoot(), { timeoutMs: 30_000 })).code).toBe(0);
    expect((await minic(["rm", ...ids], stateRoot())).code).toBe(0);
    await waitFor(() => monitors().length === 0);
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    expect(minicCgroups()).toEqual([]);
    expect(existsSync(join(stateRoot(), "bundles")) ? readdirSync(join(stateRoot(), "bundles")) : []).toEqual([]);
  }, 60_000);

  test("--init: orphans are reaped, and stop's TERM reaches a program that does not handle it as PID 1", async () => {
    // The orphaned sleep is reparented to PID 1: `exec sleep` never reaps it, tini does.
    const workload = ["sh", "-c", "(sleep 0.1 &); exec sleep 30"];
    await run(["--name", "plain", ...workload]);
    await run(["--init", "--name", "inited", ...workload]);
    await Bun.sleep(600);
    const states = async (ref: string) => (await minic(["exec", ref, "ps", "-o", "stat,comm"], stateRoot())).stdout;
    expect(await states("plain")).toMatch(/\nZ +sleep\n/);
    const inited = await states("inited");
    expect(inited).not.toContain("Z");
    expect(inited).toContain("minic-init");
    const before = Date.now();
    expect((await minic(["stop", "inited"], stateRoot())).code).toBe(0);
    expect(Date.now() - before).toBeLessThan(3000);
    expect(await status("inited")).toStartWith("Exited (143)");
  });

  test("inspect: Docker's fields and --format, running and exited", async () => {
    const id = (await run(["--name", "insp", "--init", "-e", "MODE=x", "-w", "/tmp", "-m", "64m", "--pids-limit", "20", "-v", `${stateRoot()}:/host:ro`, "sleep", "30"])).stdout.trim();
    const inspected = (JSON.parse((await minic(["inspect", "insp"], stateRoot())).stdout) as { Config: { Env: string[] }; State: { Pid: number }; LogPath: string }[])[0];
    if (inspected === undefined) throw new Error("inspect printed no container");
    expect(inspected).toMatchObject({
      Id: id,
      Name: "/insp",
      Path: "sleep",
      Args: ["30"],
      State: { Status: "running", Running: true, ExitCode: 0 },
      Config: { WorkingDir: "/tmp", Cmd: ["sleep", "30"] },
      HostConfig: { Memory: 64 << 20, PidsLimit: 20, Init: true, Binds: [`${stateRoot()}:/host:ro`] },
      Mounts: [{ Type: "bind", Source: stateRoot(), Destination: "/host", Mode: "ro", RW: false }],
    });
    expect(inspected.Config.Env).toContain("MODE=x");
    expect(inspected.State.Pid).toBe(JSON.parse(readFileSync(join(stateRoot(), "containers", id, "state.json"), "utf8")).process.pid);
    expect(inspected.LogPath).toEndWith("/ctr.log");
    expect((await minic(["inspect", "-f", "{{.State.Pid}} {{.Name}} {{json .HostConfig.Binds}}", "insp"], stateRoot())).stdout).toBe(`${inspected.State.Pid} /insp ["${stateRoot()}:/host:ro"]\n`);
    await minic(["kill", "insp"], stateRoot());
    expect((await minic(["wait", "insp"], stateRoot())).stdout).toBe("137\n");
    expect((await minic(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", id], stateRoot())).stdout).toBe("exited 137 false\n");
    const bad = await minic(["inspect", "-f", "{{if .State.Running}}x{{end}}", "insp"], stateRoot());
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 125, stdout: "" });
    expect(bad.stderr).toStartWith('minic: invalid --format template "{{if .State.Running}}x{{end}}"');
    expect((await minic(["inspect", "nosuch"], stateRoot())).stderr).toBe("minic: no such container: nosuch\n");
  });

  test("start again: a stopped container runs once more with its writable layer, name and log; restart stops and starts", async () => {
    await run(["--name", "again", "sh", "-c", "echo run >> /runs; echo runs=$(wc -l < /runs); exit 5"]);
    expect((await minic(["wait", "again"], stateRoot())).stdout).toBe("5\n");
    expect((await minic(["start", "again"], stateRoot())).stdout).toBe("again\n");
    expect((await minic(["wait", "again"], stateRoot())).stdout).toBe("5\n");
    expect((await minic(["logs", "again"], stateRoot())).stdout).toBe("runs=1\nruns=2\n");
    // One run in the foreground starts again too, then detached.
    const foreground = await minic(["run", "--name", "fore", "--rootfs", ROOTFS, "sh", "-c", "echo x >> /f; wc -l < /f"], stateRoot());
    expect(foreground.stdout).toBe("1\n");
    await minic(["start", "fore"], stateRoot());
    await minic(["wait", "fore"], stateRoot());
    expect((await minic(["logs", "fore"], stateRoot())).stdout).toBe("2\n");
    // restart: the stop signal, then a new process in the same layer.
    await run(["--name", "svc", "sh", "-c", "trap 'exit 0' TERM; echo up >> /ups; while true; do sleep 0.05; done"]);
    const firstPid = JSON.parse((await minic(["inspect", "svc"], stateRoot())).stdout)[0].State.Pid as number;
    expect((await minic(["restart", "svc"], stateRoot())).stdout).toBe("svc\n");
    const [second] = JSON.parse((await minic(["inspect", "svc"], stateRoot())).stdout) as { State: { Pid: number; Status: string } }[];
    expect(second?.State.Status).toBe("running");
    expect(second?.State.Pid).not.toBe(firstPid);
    expect((await minic(["exec", "svc", "wc", "-l", "/ups"], stateRoot())).stdout).toBe("2 /ups\n");
    // Starting a running container changes nothing, as Docker's start does.
    const twice = await minic(["start", "svc"], stateRoot());
    expect({ code: twice.code, stdout: twice.stdout, stderr: twice.stderr }).toEqual({ code: 0, stdout: "svc\n", stderr: "" });
    expect(JSON.parse((await minic(["inspect", "svc"], stateRoot())).stdout)[0].State.Pid).toBe(second?.State.Pid);
  });

  test("restart policies: on-failure:2 restarts twice then stays stopped; always restarts until stopped by hand", async () => {
    await run(["--name", "flaky", "--restart", "on-failure:2", "sh", "-c", "echo try; exit 1"]);
    const inspect = async (ref: string, template: string) => (await minic(["inspect", "-f", template, ref], stateRoot())).stdout;
    for (let tries = 0; tries < 100 && (await inspect("flaky", "{{.RestartCount}} {{.State.Status}}")) !== "2 exited\n"; tries++) await Bun.sleep(50);
    await Bun.sleep(500); // a third restart, if there were one, would come within 400 ms
    expect(await inspect("flaky", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{json .HostConfig.RestartPolicy}}")).toBe('2 exited 1 {"Name":"on-failure","MaximumRetryCount":2}\n');
    expect((await minic(["logs", "flaky"], stateRoot())).stdout).toBe("try\ntry\ntry\n");

    await run(["--name", "forever", "--restart", "always", "sh", "-c", "sleep 0.2; exit 0"]);
    await Bun.sleep(1500);
    const restarts = Number(await inspect("forever", "{{.RestartCount}}"));
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect((await minic(["stop", "forever"], stateRoot())).code).toBe(0);
    await Bun.sleep(1200);
    expect(await inspect("forever", "{{.State.Status}}")).toBe("exited\n");
    expect(Number(await inspect("forever", "{{.RestartCount}}"))).toBeLessThanOrEqual(restarts + 1);
    // Started again by hand, it restarts again.
    await minic(["start", "forever"], stateRoot());
    // Docker's delay has grown with the count (800 ms by the fourth restart).
    await Bun.sleep(1800);
    expect(Number(await inspect("forever", "{{.RestartCount}}"))).toBeGreaterThan(restarts);
    await minic(["stop", "forever"], stateRoot());
  }, 20_000);

  test("--restart: bad policies and --rm with one are refused", async () => {
    const bad = await run(["--restart", "sometimes", "true"]);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 125, stderr: 'minic: invalid --restart "sometimes": expected no, on-failure[:N], always or unless-stopped\n' });
    const both = await run(["--rm", "--restart", "always", "true"]);
    expect({ code: both.code, stderr: both.stderr }).toEqual({ code: 125, stderr: "minic: conflicting options: --restart and --rm\n" });
    expect(leftovers(stateRoot())).toEqual([]);
  });

  test("labels, ps --filter/--format/-n/--no-trunc, and top", async () => {
    const labelFile = join(stateRoot(), "labels");
    writeFileSync(labelFile, "# team labels\nteam=blue\n");
    const web = (await run(["--name", "web1", "-l", "tier=front", "--label-file", labelFile, "sleep", "30"])).stdout.trim();
    await run(["--name", "db1", "-l", "tier=back", "sleep", "30"]);
    await run(["--name", "done1", "true"]);
    await minic(["wait", "done1"], stateRoot());
    const ps = (args: string[]) => minic(["ps", ...args], stateRoot()).then((r) => r.stdout);
    expect(await minic(["inspect", "-f", "{{json .Config.Labels}}", "web1"], stateRoot()).then((r) => r.stdout)).toBe('{"team":"blue","tier":"front"}\n');
    expect(await ps(["--filter", "label=tier=front", "--format", "{{.Names}}"])).toBe("web1\n");
    expect((await ps(["--filter", "label=tier", "--format", "{{.Names}}"])).split("\n").sort()).toEqual(["", "db1", "web1"]);
    expect(await ps(["--filter", "status=exited", "--format", "{{.Names}} {{.State}}"])).toBe("done1 exited\n");
    expect(await ps(["-f", "name=db", "-f", "name=web", "-q", "--no-trunc"]).then((out) => out.split("\n").filter(Boolean).length)).toBe(2);
    expect(await ps(["-n", "1", "--format", "{{.Names}}"])).toBe("done1\n");
    const json = (await ps(["--filter", "name=web1", "--format", "json"])).trim();
    expect(JSON.parse(json)).toMatchObject({ ID: web.slice(0, 12), Names: "web1", State: "running", Labels: "team=blue,tier=front" });
    expect(await ps(["--filter", "name=web1", "--format", "table {{.Names}}\\t{{.State}}"])).toBe("NAMES   STATE\nweb1    running\n");
    const top = (await minic(["top", "web1"], stateRoot())).stdout.split("\n");
    expect(top[0]).toMatch(/PID/);
    expect(top.filter((line) => line.includes("sleep 30")).length).toBe(1);
    const bad = await minic(["ps", "--filter", "color=red"], stateRoot());
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 125, stderr: 'minic: invalid --filter "color=red": expected status=, name=, label= or id=\n' });
  });

  test("attach: output until the container ends, with its exit code; input to -i's stdin; the detach keys leave it running", async () => {
    await run(["--name", "talker", "sh", "-c", "sleep 0.4; echo out; echo err >&2; exit 7"]);
    const watched = await minic(["attach", "--no-stdin", "talker"], stateRoot());
    expect({ code: watched.code, stdout: watched.stdout, stderr: watched.stderr }).toEqual({ code: 7, stdout: "out\n", stderr: "err\n" });

    await run(["-i", "--name", "echoer", "cat"]);
    const attach = spawn([MINIC, "attach", "echoer"], { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    attach.stdin.write("hello through attach\n");
    await attach.stdin.flush();
    const reader = attach.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("hello through attach\n");
    attach.stdin.write(new Uint8Array([0x10, 0x11]));
    await attach.stdin.flush();
    expect(await attach.exited).toBe(0);
    expect(await new Response(attach.stderr).text()).toBe("\r\nread escape sequence\r\n");
    expect(await status("echoer")).toStartWith("Up");
    const foreground = await minic(["run", "--name", "fg", "--rootfs", ROOTFS, "true"], stateRoot());
    expect(foreground.code).toBe(0);
    const notDetached = await minic(["attach", "fg"], stateRoot());
    expect({ code: notDetached.code, stderr: notDetached.stderr }).toEqual({ code: 125, stderr: "minic: cannot attach to container fg: it is not running\n" });
  });

  test("ps --size shows the writable layer; a killed conmon or container is reported as it is, and rm takes it back", async () => {
    const id = (await run(["--name", "writer", "sh", "-c", "head -c 200000 /dev/zero > /blob; sleep 30"])).stdout.trim();
    await Bun.sleep(300);
    expect(await minic(["ps", "--size", "--format", "{{.Names}} {{.Size}}"], stateRoot()).then((r) => r.stdout)).toMatch(/^writer 19\d\.\dKiB\n$/);
    expect((await minic(["ps", "-s"], stateRoot())).stdout.split("\n")[0]).toMatch(/STATUS +PORTS +NAMES +SIZE$/);
    // conmon killed: the container runs on, and ps says so.
    const conmon = Number(readFileSync(join(stateRoot(), "bundles", id, "conmon.pid"), "utf8"));
    process.kill(conmon, "SIGKILL");
    await waitFor(() => !existsSync(`/proc/${conmon}`) || readFileSync(`/proc/${conmon}/stat`, "utf8").includes(") Z"));
    expect(await status("writer")).toStartWith("Up");
    // Then the container's own process killed: nobody records its exit, and ps shows it exited.
    const pid = JSON.parse(readFileSync(join(stateRoot(), "containers", id, "state.json"), "utf8")).process.pid as number;
    process.kill(pid, "SIGKILL");
    await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"));
    await Bun.sleep(100);
    expect(await status("writer")).toStartWith("Exited");
    expect((await minic(["rm", "writer"], stateRoot())).code).toBe(0);
    expect(minicCgroups()).toEqual([]);
  });

  test("inspect tells ENTRYPOINT from CMD, shows -u as given, and OOMKilled for a detached container the OOM killer ended", async () => {
    await run(["--name", "split", "--entrypoint", "/bin/sh", "-u", "nobody", "--", "-c", "sleep 30"]);
    expect((await minic(["inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{.Path}} {{json .Args}}", "split"], stateRoot())).stdout).toBe(
      '["/bin/sh"] ["-c","sleep 30"] nobody /bin/sh ["-c","sleep 30"]\n',
    );
    await run(["--name", "hog", "-m", "8m", "--memory-swap", "8m", "sh", "-c", "tail /dev/zero"]);
    expect((await minic(["wait", "hog"], stateRoot(), { timeoutMs: 20_000 })).stdout).toBe("137\n");
    expect((await minic(["inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog"], stateRoot())).stdout).toBe("true 137\n");
    // conmon notes the OOM kill in the bundle, not in the working directory minic was run from.
    expect(existsSync(join(process.cwd(), "oom"))).toBe(false);
  }, 30_000);

  test("pause and unpause by name, as Docker's: ps shows Up ... (Paused) and state paused; the container's processes are frozen", async () => {
    await run(["--name", "frozen", "--network", "none", "sh", "-c", "while true; do date +%s%N > /tmp/tick; sleep 0.05; done"]);
    expect((await minic(["pause", "frozen"], stateRoot())).stdout).toBe("frozen\n");
    expect((await minic(["ps", "--format", "{{.Names}} {{.State}}"], stateRoot())).stdout).toBe("frozen paused\n");
    expect((await minic(["ps"], stateRoot())).stdout).toMatch(/ Up .* \(Paused\) .* frozen\n/);
    expect((await minic(["ps", "-q", "--filter", "status=paused"], stateRoot())).stdout.trim()).not.toBe("");
    expect((await minic(["ps", "-q", "--filter", "status=running"], stateRoot())).stdout).toBe("");
    expect((await minic(["unpause", "frozen"], stateRoot())).stdout).toBe("frozen\n");
    expect((await minic(["ps", "--format", "{{.Names}} {{.State}}"], stateRoot())).stdout).toBe("frozen running\n");
    const again = await minic(["unpause", "frozen"], stateRoot());
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 125, stderr: "minic: container frozen is not paused\n" });
  });

  test("started again, a container is up since then: ps's Up and inspect's StartedAt count from the last start", async () => {
    await run(["--name", "again", "--network", "none", "sleep", "60"]);
    const times = async () => (await minic(["inspect", "-f", "{{.Created}} {{.State.StartedAt}}", "again"], stateRoot())).stdout.trim().split(" ");
    const [created = "", first = ""] = await times();
    await minic(["stop", "-t", "0", "again"], stateRoot());
    await Bun.sleep(1100);
    await minic(["start", "again"], stateRoot());
    const [createdAgain = "", second = ""] = await times();
    expect(createdAgain).toBe(created);
    expect(Date.parse(second) - Date.parse(first)).toBeGreaterThanOrEqual(1000);
    expect((await minic(["ps", "--format", "{{.Names}} {{.Status}}"], stateRoot())).stdout).toMatch(/^again Up (Less than a second|1 second)\n$/);
  });

  test("what review found: wait on a --rm container gives its code; a last line without newline is logged; stop signals are checked and kept for the foreground too", async () => {
    await run(["--rm", "--name", "quick", "sh", "-c", "sleep 0.3; exit 3"]);
    expect((await minic(["wait", "quick"], stateRoot())).stdout).toBe("3\n");
    await run(["--name", "partial", "sh", "-c", "printf no-newline"]);
    await minic(["wait", "partial"], stateRoot());
    expect((await minic(["logs", "partial"], stateRoot())).stdout).toBe("no-newline");
    await run(["--name", "systemd-like", "--stop-signal", "SIGRTMIN+3", "sh", "-c", "trap 'exit 0' 37; while true; do sleep 0.05; done"]);
    const before = Date.now();
    expect((await minic(["stop", "systemd-like"], stateRoot())).code).toBe(0);
    expect(Date.now() - before).toBeLessThan(3000);
    const bad = await minic(["run", "--rm", "--stop-signal", "SIGNOPE", "--rootfs", ROOTFS, "true"], stateRoot());
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 125, stderr: "minic: invalid signal: SIGNOPE\n" });
    const foreground = spawn([MINIC, "run", "--name", "fg-stop", "--stop-signal", "USR1", "--rootfs", ROOTFS, "sh", "-c", "trap 'exit 5' USR1; while true; do sleep 0.05; done"], { env: { ...process.env, MINIC_ROOT: stateRoot() }, stdout: "ignore", stderr: "ignore" });
    await waitFor(() => existsSync(join(stateRoot(), "names")) && readdirSync(join(stateRoot(), "names")).includes("fg-stop"));
    await Bun.sleep(300);
    expect((await minic(["stop", "-t", "5", "fg-stop"], stateRoot())).code).toBe(0);
    expect(await foreground.exited).toBe(5);
  }, 20_000);

  test("bad input: a missing command (127), a name in use, no conmon: one line, nothing left", async () => {
    const missing = await run(["/no/such/command"]);
    expect({ code: missing.code, stdout: missing.stdout, stderr: missing.stderr }).toEqual({ code: 127, stdout: "", stderr: 'minic: exec: "/no/such/command": no such file or directory\n' });
    await run(["--name", "taken", "sleep", "60"]);
    const taken = await run(["--name", "taken", "true"]);
    expect(taken.code).toBe(125);
    expect(taken.stderr).toStartWith('minic: the container name "taken" is already in use');
    const noConmon = await minic(["run", "-d", "--rootfs", ROOTFS, "true"], stateRoot(), { env: { PATH: "/nonexistent" } });
    expect({ code: noConmon.code, stderr: noConmon.stderr }).toEqual({ code: 125, stderr: "minic: conmon is not installed: minic run -d needs it to watch the container (apt-get install conmon)\n" });
    expect((await minic(["logs", "nosuch"], stateRoot())).stderr).toBe("minic: no such container: nosuch\n");
    expect((await minic(["stop", "nosuch"], stateRoot())).code).toBe(125);
    expect((await minic(["stop", "-t", "-1", "taken"], stateRoot())).stderr).toBe('minic: invalid --time "-1": expected a number of seconds, 0 or more\n');
    expect((await minic(["rm", "-f", "taken"], stateRoot())).code).toBe(0);
    await waitFor(() => monitors().length === 0);
    expect(existsSync(join(stateRoot(), "bundles")) ? readdirSync(join(stateRoot(), "bundles")) : []).toEqual([]);
    expect(leftovers(stateRoot())).toEqual([]);
  });
});
