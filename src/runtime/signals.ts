/** The signals `docker run` relays to the container when it has no terminal. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];

/**
 * Relay signals sent to minic to `target()` once it exists; a signal that arrives before the
 * container has a pid is held and delivered as soon as it does. Returns a function that stops.
 */
export function forwardSignals(target: () => number | null): { flush(): void; stop(): void } {
  const pending: NodeJS.Signals[] = [];
  const deliver = (signal: NodeJS.Signals): void => {
    const pid = target();
    if (pid === null) {
      pending.push(signal);
      return;
    }
    try {
      process.kill(pid, signal);
    } catch {
      // the container is exiting: its status will tell
    }
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, deliver);
  return {
    flush() {
      for (const signal of pending.splice(0)) deliver(signal);
    },
    stop() {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, deliver);
    },
  };
}
