import { shortId } from "../state/names.ts";
import type { ContainerRecord, RecordRead } from "../state/store.ts";
import type { ContainerStats } from "../container/stats.ts";
import { humanSize } from "../units.ts";

/** `2 minutes`, `About an hour`: Docker's coarse durations. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 1) return "Less than a second";
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? "About a minute" : `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return hours === 1 ? "About an hour" : `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

export function statusText(record: ContainerRecord, now: number): string {
  if (record.status === "created" || record.status === "creating") return "Created";
  if (record.status === "running") return `Up ${humanDuration(now - Date.parse(record.created))}`;
  const ago = record.finished === null ? "" : ` ${humanDuration(now - Date.parse(record.finished))} ago`;
  // Docker's words for one its restart policy is about to start again.
  return `${record.restarting ? "Restarting" : "Exited"} (${record.exitCode ?? "?"})${ago}`;
}

function commandText(command: string[]): string {
  const text = command.join(" ");
  return JSON.stringify(text.length > 30 ? `${text.slice(0, 29)}…` : text);
}

/** `sizes`: with ps --size, each container's writable layer, by id (a SIZE column). */
export function containerTable(entries: RecordRead[], now: number, sizes: Map<string, string> | null = null): string {
  const rows = [
    ["CONTAINER ID", "NAME", "COMMAND", "CREATED", "STATUS", ...(sizes === null ? [] : ["SIZE"])],
    ...entries.map((entry) => {
      if (entry.kind === "damaged") return [shortId(entry.id), "", "", "", `Damaged: ${entry.reason}`, ...(sizes === null ? [] : [""])];
      const { record } = entry;
      return [
        shortId(record.id),
        record.name,
        commandText(record.command),
        `${humanDuration(now - Date.parse(record.created))} ago`,
        statusText(record, now),
        ...(sizes === null ? [] : [sizes.get(record.id) ?? ""]),
      ];
    }),
  ];
  return alignColumns(rows);
}

export function statsTable(stats: ContainerStats[]): string {
  const rows = [
    ["CONTAINER ID", "NAME", "CPU TIME", "MEM USAGE / LIMIT", "MEM %", "PIDS"],
    ...stats.map(({ id, name, usage, memoryCeiling }) => {
      const memory = usage?.memoryBytes ?? 0;
      return [
        shortId(id),
        name,
        usage?.cpuNanoseconds != null ? `${(usage.cpuNanoseconds / 1e9).toFixed(2)}s` : "--",
        `${humanSize(memory)} / ${humanSize(memoryCeiling)}`,
        `${(memoryCeiling > 0 ? (memory / memoryCeiling) * 100 : 0).toFixed(2)}%`,
        String(usage?.pids ?? 0),
      ];
    }),
  ];
  return alignColumns(rows);
}

function alignColumns(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd((widths[column] ?? 0) + 3)).join("").trimEnd()).join("\n");
}
