// `minic logs`: what a container wrote. A detached or created container's output is in conmon's
// log, in Kubernetes' format (one entry a line: time, stream, F for a full line or P for part of
// one, the text).
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { isAlive } from "../process/identity.ts";
import { detachedBundleDir, findContainer, readRecord, stateRoot, type ContainerRecord } from "../state/store.ts";
import { detachedLogPath } from "./run-detached.ts";

export interface LogOptions {
  follow: boolean;
  /** Only the last N lines (before following); null: all. */
  tail: number | null;
  timestamps: boolean;
  /** Only what was written at or after this time (k8s-file logs only). */
  since: Date | null;
}

export interface LogSink {
  stdout(text: string): void;
  stderr(text: string): void;
}

interface Entry {
  time: string;
  stream: "stdout" | "stderr";
  text: string;
}

/**
 * Parse k8s-file lines into whole lines per stream (P parts joined up to their F). With
 * `flush`, parts still waiting for their F (the container's last output had no newline) come
 * out as they are.
 */
export function parseKubernetesLog(text: string, flush = false): Entry[] {
  const entries: Entry[] = [];
  const partial: Record<string, Entry | undefined> = {};
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [time = "", stream = "", tag = "", ...rest] = line.split(" ");
    if (stream !== "stdout" && stream !== "stderr") continue;
    const content = rest.join(" ");
    const pending = partial[stream];
    const entry: Entry = pending === undefined ? { time, stream, text: content } : { ...pending, text: pending.text + content };
    if (tag === "P") {
      partial[stream] = entry;
      continue;
    }
    partial[stream] = undefined;
    entries.push({ ...entry, text: `${entry.text}\n` });
  }
  if (flush) for (const pending of Object.values(partial)) if (pending !== undefined) entries.push(pending);
  return entries;
}

/** Docker's --since: an RFC 3339 time, or a duration before now (10s, 5m, 2h). */
export function parseSince(text: string, now = Date.now()): Date {
  const relative = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text);
  if (relative !== null) return new Date(now - Number(relative[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[relative[2] as "s" | "m" | "h"]);
  const absolute = Date.parse(text);
  if (Number.isNaN(absolute)) throw new MinicError(`invalid --since "${text}": expected a time such as 2026-11-24T10:00:00Z or a duration such as 10m`);
  return new Date(absolute);
}

function logPath(root: string, record: ContainerRecord): string {
  const detached = detachedLogPath(detachedBundleDir(root, record.id));
  if (existsSync(detached)) return detached;
  throw new MinicError(`container ${record.name} keeps no log: a container run in the foreground wrote to the terminal`, undefined, "run it with -d to keep its output");
}

export async function containerLogs(ref: string, options: LogOptions, sink: LogSink): Promise<void> {
  const root = stateRoot();
  const record = findContainer(root, ref);
  const path = logPath(root, record);
  let offset = 0;
  let carry = "";
  const emit = (entries: Entry[]): void => {
    for (const entry of entries) {
      if (options.since !== null && Date.parse(entry.time) < options.since.getTime()) continue;
      const text = options.timestamps ? `${entry.time} ${entry.text}` : entry.text;
      if (entry.stream === "stderr") sink.stderr(text);
      else sink.stdout(text);
    }
  };
  const readNew = (): string => {
    const size = statSync(path).size;
    if (size <= offset) return "";
    const fd = openSync(path, "r");
    try {
      const buffer = new Uint8Array(size - offset);
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      offset += n;
      return new TextDecoder().decode(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  };
  /**
   * Whole entries only: a line of the file still being written waits for its end, and parts (P)
   * wait for the full line (F) they belong to, unless this is the last read (`final`).
   */
  const entriesOf = (text: string, final: boolean): Entry[] => {
    const all = carry + text;
    const complete = all.slice(0, all.lastIndexOf("\n") + 1);
    if (final) {
      carry = "";
      return parseKubernetesLog(complete, true);
    }
    const lines = complete.split("\n");
    let last = -1;
    lines.forEach((line, i) => {
      if (line.split(" ")[2] === "F") last = i;
    });
    const taken = lines.slice(0, last + 1).map((line) => `${line}\n`).join("");
    carry = all.slice(taken.length);
    return parseKubernetesLog(taken);
  };
  const first = entriesOf(readNew(), !options.follow);
  emit(options.tail === null ? first : first.slice(Math.max(0, first.length - options.tail)));
  if (!options.follow) return;
  for (;;) {
    const entry = readRecord(root, record.id);
    const running = entry !== null && entry.kind === "ok" && entry.record.status !== "stopped" && isAlive(entry.record.process);
    emit(entriesOf(readNew(), false));
    if (!running) {
      // conmon writes the last lines before it reaps: once stopped, one more read ends it.
      emit(entriesOf(readNew(), true));
      return;
    }
    await Bun.sleep(100);
  }
}
