// -t, -i and -it against real terminals (tmux): prompt, typing, ^C, job control, resizes, vi,
// exit status, and the host terminal restored exactly (stty -g) on every way out.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostMounts, MINIC, minic, ROOTFS, stateDir } from "../support/minic.ts";
import { openTerminal, type Terminal } from "../support/tmux.ts";

let terminal: Terminal;
let root = "";
let mountsBefore = "";
beforeEach(() => {
  terminal = openTerminal();
  root = stateDir();
  mountsBefore = hostMounts();
});
afterEach(() => {
  terminal.close();
  expect(hostMounts()).toBe(mountsBefore);
  rmSync(root, { recursive: true, force: true });
});

/** Start `minic run -it ... ARGS` in the terminal, framed by stty -g before and after. */
async function startInteractive(args: string, name = "tty-test"): Promise<void> {
  const d = terminal.dir;
  terminal.keys(
    `stty -g > ${d}/before; MINIC_ROOT=${root} ${MINIC} run --rm -it --name ${name} --rootfs ${ROOTFS} ${args}; echo "EXIT=$?"; stty -g > ${d}/after; echo DONE`,
    "Enter",
  );
}

async function finished(): Promise<{ exit: number; sttyRestored: boolean }> {
  const screen = await terminal.waitFor(/^DONE$/m);
  const exit = Number(/EXIT=(\d+)/.exec(screen)?.[1] ?? NaN);
  const before = readFileSync(join(terminal.dir, "before"), "utf8");
  const after = readFileSync(join(terminal.dir, "after"), "utf8");
  return { exit, sttyRestored: before === after && before.length > 0 };
}

function pidOf(pattern: string): number {
  const out = Bun.spawnSync(["pgrep", "-f", "--", pattern]).stdout.toString().trim().split("\n")[0];
  return Number(out);
}

describe("minic run -it", () => {
  test("a shell: prompt, typed commands, /dev/pts/0, TERM, exit status, stty restored", async () => {
    await startInteractive("sh");
    await terminal.waitFor(/^\/ #\s*$/m);
    terminal.keys("tty; echo term=$TERM", "Enter");
    await terminal.waitFor(/term=xterm/);
    expect(terminal.screen()).toContain("/dev/pts/0");
    terminal.keys("exit 7", "Enter");
    expect(await finished()).toEqual({ exit: 7, sttyRestored: true });
  });

  test("^C interrupts the foreground program, not minic; ^Z and fg work", async () => {
    await startInteractive("sh");
    await terminal.waitFor(/^\/ #\s*$/m);
    terminal.keys("sleep 100; echo slept=$?", "Enter");
    await Bun.sleep(200);
    terminal.keys("C-c");
    await terminal.waitFor(/\^C/);
    terminal.keys("echo alive", "Enter");
    await terminal.waitFor(/^alive$/m);
    terminal.keys("sleep 100", "Enter");
    await Bun.sleep(200);
    terminal.keys("C-z");
    await terminal.waitFor(/Stopped\s+sleep 100/);
    terminal.keys("fg", "Enter");
    await Bun.sleep(200);
    terminal.keys("C-c");
    terminal.keys("echo back", "Enter");
    await terminal.waitFor(/^back$/m);
    terminal.keys("exit", "Enter");
    expect(await finished()).toEqual({ exit: 0, sttyRestored: true });
  });

  test("the window size is set at start and follows resizes", async () => {
    await startInteractive("sh");
    await terminal.waitFor(/^\/ #\s*$/m);
    terminal.keys("stty size", "Enter");
    await terminal.waitFor(/^30 100$/m);
    terminal.resize(120, 40);
    await Bun.sleep(200);
    terminal.keys("clear; stty size", "Enter");
    await terminal.waitFor(/^40 120$/m);
    terminal.keys("exit", "Enter");
    expect((await finished()).sttyRestored).toBe(true);
  });

  test("vi draws its screen and quits", async () => {
    await startInteractive("sh");
    await terminal.waitFor(/^\/ #\s*$/m);
    terminal.keys("vi /tmp/notes", "Enter");
    const screen = await terminal.waitFor(/^~\s*$/m);
    expect(screen.split("\n").filter((line) => /^~\s*$/.test(line)).length).toBeGreaterThan(20);
    terminal.keys("i", "hello vi", "Escape");
    await Bun.sleep(150); // vi reads ESC followed at once by ':' as one escape sequence
    terminal.keys(":wq", "Enter");
    await terminal.waitFor(/^\/ #\s*$/m);
    terminal.keys("clear; cat /tmp/notes", "Enter");
    await terminal.waitFor(/^hello vi$/m);
    terminal.keys("exit", "Enter");
    expect((await finished()).sttyRestored).toBe(true);
  });

  test("stty is restored when the workload is killed", async () => {
    await startInteractive("sh", "tty-killed");
    await terminal.waitFor(/^\/ #\s*$/m);
    const minicPid = pidOf("--name tty-killed");
    const containerPid = Number(Bun.spawnSync(["pgrep", "-P", String(minicPid)]).stdout.toString().trim());
    process.kill(containerPid, "SIGKILL");
    expect(await finished()).toEqual({ exit: 137, sttyRestored: true });
  });

  test("stty is restored when minic gets SIGTERM", async () => {
    await startInteractive("sh", "tty-term");
    await terminal.waitFor(/^\/ #\s*$/m);
    process.kill(pidOf("--name tty-term"), "SIGTERM");
    expect((await finished()).sttyRestored).toBe(true);
    expect(Bun.spawnSync(["pgrep", "-f", "--", "--name tty-term"]).exitCode).toBe(1);
  });

  test("stty is restored after a setup failure (command not found)", async () => {
    await startInteractive("no-such-command");
    expect(await finished()).toEqual({ exit: 127, sttyRestored: true });
    expect(terminal.screen()).toContain('minic: exec: "no-such-command": executable file not found in $PATH');
  });
});

describe("-t and -i without a terminal", () => {
  test("-t in a pipe still gives a terminal, and copies 10 MB byte-exact", async () => {
    const big = join(root, "big");
    const data = new Uint8Array(10 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 65536) data.set(crypto.getRandomValues(new Uint8Array(65536)), i);
    writeFileSync(big, data);
    const tty = await minic(["run", "--rm", "-t", "--rootfs", ROOTFS, "tty"], root);
    expect(tty.stdout).toBe("/dev/pts/0\r\n");
    const child = Bun.spawnSync([MINIC, "run", "--rm", "-t", "--rootfs", ROOTFS, "-v", `${big}:/big:ro`, "sh", "-c", "stty raw -echo; cat /big"], {
      env: { ...process.env, MINIC_ROOT: root },
      stdin: "ignore",
    });
    expect(child.exitCode).toBe(0);
    expect(child.stdout.length).toBe(data.length);
    expect(Buffer.compare(child.stdout, Buffer.from(data))).toBe(0);
  });

  test("-i connects stdin, and its end reaches the workload; without -i stdin is /dev/null", async () => {
    const withI = await minic(["run", "--rm", "-i", "--rootfs", ROOTFS, "sh", "-c", "cat; echo end"], root, { stdin: "hello\n" });
    expect(withI.stdout).toBe("hello\nend\n");
    const without = await minic(["run", "--rm", "--rootfs", ROOTFS, "sh", "-c", "cat; readlink /proc/self/fd/0"], root, { stdin: "hello\n" });
    expect(without.stdout).toBe("/dev/null\n");
  });

  test("-it with stdin not a terminal warns once and carries on as -i", async () => {
    const r = await minic(["run", "--rm", "-it", "--rootfs", ROOTFS, "sh", "-c", "cat; tty"], root, { stdin: "piped\n" });
    expect(r.stdout).toBe("piped\nnot a tty\n");
    expect(r.stderr).toBe("minic: warning: the input device is not a TTY: running with -i only, without a terminal\n");
    expect(r.code).toBe(1); // tty's own status when stdin is not a terminal
  });

  test("-t exit status passes through", async () => {
    const r = await minic(["run", "--rm", "-t", "--rootfs", ROOTFS, "sh", "-c", "exit 42"], root);
    expect(r.code).toBe(42);
  });
});

describe("minic exec -it", () => {
  test("a shell inside a running container: the container's own pty, its processes, ^C, exit status, stty restored", async () => {
    const d = terminal.dir;
    const created = await minic(["create", "--rootfs", ROOTFS, "--name", "exec-target", "sleep", "600"], root);
    expect(created.code).toBe(0);
    expect((await minic(["start", "exec-target"], root)).code).toBe(0);
    try {
      terminal.keys(`stty -g > ${d}/before; MINIC_ROOT=${root} ${MINIC} exec -it exec-target sh; echo "EXIT=$?"; stty -g > ${d}/after; echo DONE`, "Enter");
      await terminal.waitFor(/^\/ #\s*$/m);
      terminal.keys("tty; ps -o pid,comm | grep -c sleep; echo TERM=$TERM", "Enter");
      await terminal.waitFor(/^TERM=xterm$/m);
      const screen = terminal.screen();
      expect(screen).toMatch(/^\/dev\/pts\/\d+$/m);
      expect(screen).toMatch(/^1$/m);
      // ^C reaches the foreground program inside, not minic.
      terminal.keys("sleep 100", "Enter");
      await Bun.sleep(300);
      terminal.keys("C-c");
      terminal.keys("echo after-interrupt", "Enter");
      await terminal.waitFor(/^after-interrupt$/m);
      terminal.keys("exit 5", "Enter");
      const { exit, sttyRestored } = await finished();
      expect(exit).toBe(5);
      expect(sttyRestored).toBe(true);
    } finally {
      await minic(["rm", "-f", "exec-target"], root);
    }
  }, 30_000);
});
