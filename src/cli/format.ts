import { shortId } from "../state/names.ts";
import type { ContainerRecord, RecordRead } from "../state/store.ts";
import type { ContainerStats } from "../container/stats.ts";
import { humanSize } from "../units.ts";

/**
 * `2 minutes`, `About an hour`, `3 weeks`: Docker's coarse durations, by go-units' HumanDuration
 * rules: seconds and minutes cut down, hours rounded, then whole days, weeks (from 2 weeks),
 * 30-day months (from 2 months) and 365-day years (from 2 years).
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(Math.max(0, ms) / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const exactHours = Math.max(0, ms) / 3_600_000;
  const hours = Math.trunc(exactHours + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(exactHours) / 24 / 365)} years`;
}

export function statusText(record: ContainerRecord, now: number, paused = false): string {
  if (record.status === "created" || record.status === "creating") return "Created";
  // As Docker's: up since this run started (a container started again is up since then).
  if (record.status === "running") return `Up ${humanDuration(now - Date.parse(record.started ?? record.created))}${paused ? " (Paused)" : ""}`;
  const ago = record.finished === null ? "" : ` ${humanDuration(now - Date.parse(record.finished))} ago`;
  // Docker's words for one its restart policy is about to start again.
  return `${record.restarting ? "Restarting" : "Exited"} (${record.exitCode ?? "?"})${ago}`;
}

/** Docker's COMMAND column: the command cut to 20 characters (its last an ellipsis), quoted. */
export function commandText(command: string[], truncate = true): string {
  const text = command.join(" ");
  const chars = [...text];
  return JSON.stringify(truncate && chars.length > 20 ? `${chars.slice(0, 19).join("")}…` : text);
}

/** Go's time.Time.String() of a moment, as Docker's ps prints CreatedAt: "2026-11-25 00:23:18 +0000 UTC". */
export function goTimeText(iso: string): string {
  const date = new Date(Math.floor(Date.parse(iso) / 1000) * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const zoneOffset = `${offset < 0 ? "-" : "+"}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  const zone = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(date).find((part) => part.type === "timeZoneName")?.value ?? zoneOffset;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zoneOffset} ${zone}`;
}

/**
 * `docker ps`'s table, its columns in Docker's order (the rootfs where Docker names the image).
 * `ports`: each container's published ports (PORTS); `sizes`: with ps --size, each container's
 * writable layer (a SIZE column), by id.
 */
export function containerTable(entries: RecordRead[], now: number, sizes: Map<string, string> | null = null, ports: Map<string, string> = new Map(), paused: Set<string> = new Set()): string {
  const rows = [
    ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", ...(sizes === null ? [] : ["SIZE"])],
    ...entries.map((entry) => {
      if (entry.kind === "damaged") return [shortId(entry.id), "", "", "", `Damaged: ${entry.reason}`, "", "", ...(sizes === null ? [] : [""])];
      const { record } = entry;
      return [
        shortId(record.id),
        record.rootfs,
        commandText(record.command),
        `${humanDuration(now - Date.parse(record.created))} ago`,
        statusText(record, now, paused.has(record.id)),
        ports.get(record.id) ?? "",
        record.name,
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
