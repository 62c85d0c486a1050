// Linux's signal numbers by name (the same on x86_64 and aarch64), and their parsing as docker
// kill and runc kill take them: KILL, SIGKILL, kill, 9, RTMIN+3. Kept here rather than read from
// node:os, whose loading would cost every `run` half a millisecond.
import { MinicError } from "../errors.ts";

export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** glibc's SIGRTMIN and SIGRTMAX (the kernel's first two real-time signals are glibc's own). */
const RTMIN = 34;
const RTMAX = 64;

/** A signal's number, or null when `text` names none. */
export function signalNumber(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text) >= 1 && Number(text) <= RTMAX ? Number(text) : null;
  const name = text.toUpperCase().replace(/^SIG/, "");
  if (Object.hasOwn(SIGNALS, name)) return SIGNALS[name] ?? null;
  const realtime = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (realtime === null) return null;
  const number = (realtime[1] === "MIN" ? RTMIN : RTMAX) + (realtime[3] === undefined ? 0 : Number(realtime[3]) * (realtime[2] === "-" ? -1 : 1));
  return number >= RTMIN && number <= RTMAX ? number : null;
}

export function parseSignal(text: string): number {
  const number = signalNumber(text);
  if (number === null) throw new MinicError(`invalid signal: ${text}`);
  return number;
}
