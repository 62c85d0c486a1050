// A real terminal for tests: a detached tmux session, driven with send-keys and read back with
// capture-pane, each session on its own tmux server socket.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Terminal {
  /** Type text (tmux key names such as "Enter" or "C-c" are separate arguments). */
  keys(...keys: string[]): void;
  /** The visible screen, trailing blank lines dropped. */
  screen(): string;
  resize(columns: number, rows: number): void;
  /** Wait until the screen matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
  dir: string;
}

export function openTerminal(columns = 100, rows = 30): Terminal {
  const dir = mkdtempSync(join(tmpdir(), "minic-tty-"));
  const socket = join(dir, "tmux.sock");
  const tmux = (...args: string[]): string => {
    const result = Bun.spawnSync(["tmux", "-S", socket, ...args], { stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${result.stderr.toString()}`);
    return result.stdout.toString();
  };
  tmux("new-session", "-d", "-s", "t", "-x", String(columns), "-y", String(rows), "env", "PS1=host$ ", "bash", "--norc", "--noprofile", "-i");
  tmux("set-option", "-t", "t", "remain-on-exit", "on");
  const terminal: Terminal = {
    dir,
    keys: (...keys) => void tmux("send-keys", "-t", "t", ...keys),
    screen: () => tmux("capture-pane", "-t", "t", "-p").replace(/\n+$/, ""),
    resize: (c, r) => void tmux("resize-window", "-t", "t", "-x", String(c), "-y", String(r)),
    async waitFor(pattern, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = terminal.screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${text}`);
        await Bun.sleep(25);
      }
    },
    close() {
      try {
        tmux("kill-server");
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return terminal;
}
