// `run -t`: the container's terminal on minic's side. The master arrives from the child during
// setup; a native relay thread then copies output to stdout and (with -i) stdin to the
// container, while the host terminal is raw until restore() puts back exactly what was there.
import type { NativeExecutor } from "../../native/executor.ts";
import { close, SystemError } from "../../native/libc.ts";
import { getWindowSize, isatty, makeRaw, restoreTerminal, setWindowSize, type SavedTerminal, type WindowSize } from "../../native/termios.ts";

const DEFAULT_SIZE: WindowSize = { rows: 24, columns: 80 };

export interface TerminalSession {
  /** Take over the container's terminal master (called once, during setup). */
  attach(master: number, executor: NativeExecutor): void;
  /** After the container exited: wait until its last byte of output is copied. */
  finish(): void;
  /** Put the host terminal back as it was. Safe to call more than once, and before attach. */
  restore(): void;
}

/** -it needs a terminal on stdin; -t alone does not. Decided before the spec is built. */
export function stdinIsTerminal(): boolean {
  return isatty(0);
}

export function openTerminalSession(options: { interactive: boolean }): TerminalSession {
  const sizeFrom = isatty(0) ? 0 : isatty(1) ? 1 : null;
  let saved: SavedTerminal | null = null;
  let master = -1;
  let relay: { executor: NativeExecutor; handle: number } | null = null;
  let resize: (() => void) | null = null;

  return {
    attach(fd, executor) {
      master = fd;
      const size = (): WindowSize => (sizeFrom === null ? null : getWindowSize(sizeFrom)) ?? DEFAULT_SIZE;
      setWindowSize(master, size());
      if (sizeFrom !== null) {
        // The kernel tells the container's foreground process group (SIGWINCH) by itself.
        resize = () => setWindowSize(master, size());
        process.on("SIGWINCH", resize);
      }
      if (options.interactive && isatty(0)) saved = makeRaw(0);
      const handle = executor.relayStart(master, options.interactive ? 0 : -1, 1);
      if (handle < 0) throw new SystemError("pthread_create", -handle);
      relay = { executor, handle };
    },
    finish() {
      if (relay) relay.executor.relayJoin(relay.handle);
      relay = null;
      if (master >= 0) close(master);
      master = -1;
    },
    restore() {
      if (resize) process.off("SIGWINCH", resize);
      resize = null;
      if (saved) restoreTerminal(0, saved);
      saved = null;
    },
  };
}
