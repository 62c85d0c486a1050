/** The signals `docker run` relays to the container when it has no terminal. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];

const SESSION_ENDING: NodeJS.Signals[] = ["SIGTERM", "SIGHUP"];

/**
 * Relay signals sent to minic to `target()` once it exists; a signal that arrives before the
 * container has a pid is held and delivered as soon as it does. Returns a function that stops.
 */
export function forwardSignals(
  target: () => number | null,
  options: { terminal: boolean } = { terminal: false },
): { flush(): void; stop(): void } {
  const pending: NodeJS.Signals[] = [];
  const signals = options.terminal ? FORWARDED_SIGNALS.filter((signal) => signal !== "SIGWINCH") : FORWARDED_SIGNALS;
  const deliver = (signal: NodeJS.Signals): void => {
    const pid = target();
    if (pid === null) {
      pending.push(signal);
      return;
    }
    try {
      // With a terminal, SIGTERM and SIGHUP end the session: the container goes, and minic
      // restores the terminal on its way out. (SIGWINCH is a resize there, not relayed.)
      process.kill(pid, options.terminal && SESSION_ENDING.includes(signal) ? "SIGKILL" : signal);
    } catch {
      // the container is exiting: its status will tell
    }
  };
  for (const signal of signals) process.on(signal, deliver);
  return {
    flush() {
      for (const signal of pending.splice(0)) deliver(signal);
    },
    stop() {
      for (const signal of signals) process.off(signal, deliver);
    },
  };
}
