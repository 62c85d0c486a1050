// `minic ps` beyond its table: Docker's per-container fields for --format, its --filter keys, and
// a `table TEMPLATE` aligned as Docker's tabwriter aligns it.
import { MinicError } from "../errors.ts";
import { shortId } from "../state/names.ts";
import type { ContainerRecord } from "../state/store.ts";
import { commandText, goTimeText, humanDuration, statusText } from "./format.ts";

/** The fields Docker's `ps --format` offers (those minic has values for). */
export interface PsRow {
  ID: string;
  Names: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Status: string;
  State: string;
  Labels: string;
  Mounts: string;
  Ports: string;
  /** The writable layer's size with --size, else "". */
  Size: string;
}

const HEADERS: Record<keyof PsRow, string> = {
  ID: "CONTAINER ID",
  Names: "NAMES",
  Image: "IMAGE",
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  RunningFor: "CREATED",
  Status: "STATUS",
  State: "STATE",
  Labels: "LABELS",
  Mounts: "MOUNTS",
  Ports: "PORTS",
  Size: "SIZE",
};

/** Docker's State: created, restarting, running, exited. */
export function dockerState(record: ContainerRecord, paused = false): string {
  if (record.status === "created" || record.status === "creating") return "created";
  if (record.status === "running") return paused ? "paused" : "running";
  return record.restarting ? "restarting" : "exited";
}

export function psRow(record: ContainerRecord, labels: Record<string, string>, now: number, noTrunc: boolean, size = "", paused = false): PsRow {
  return {
    ID: noTrunc ? record.id : shortId(record.id),
    Names: record.name,
    Image: record.rootfs,
    Command: commandText(record.command, !noTrunc),
    CreatedAt: goTimeText(record.created),
    RunningFor: `${humanDuration(now - Date.parse(record.created))} ago`,
    Status: statusText(record, now, paused),
    State: dockerState(record, paused),
    Labels: Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(","),
    Mounts: "",
    Ports: "",
    Size: size,
  };
}

export interface PsFilter {
  key: "status" | "name" | "label" | "id";
  value: string;
}

const FILTER_KEYS = ["status", "name", "label", "id"];
const STATES = ["created", "restarting", "running", "paused", "exited"];

export function parsePsFilter(text: string): PsFilter {
  const eq = text.indexOf("=");
  const key = eq === -1 ? text : text.slice(0, eq);
  if (eq === -1 || !FILTER_KEYS.includes(key)) throw new MinicError(`invalid --filter "${text}": expected status=, name=, label= or id=`);
  const value = text.slice(eq + 1);
  if (key === "status" && !STATES.includes(value)) throw new MinicError(`invalid --filter "${text}": a status is one of ${STATES.join(", ")}`);
  return { key: key as PsFilter["key"], value };
}

/** Docker's rule: filters of one key are alternatives, filters of different keys all apply. */
export function matchesFilters(record: ContainerRecord, labels: Record<string, string>, filters: PsFilter[], paused = false): boolean {
  const byKey = new Map<string, PsFilter[]>();
  for (const filter of filters) byKey.set(filter.key, [...(byKey.get(filter.key) ?? []), filter]);
  return [...byKey.values()].every((group) =>
    group.some(({ key, value }) => {
      if (key === "status") return dockerState(record, paused) === value;
      if (key === "name") return record.name.includes(value);
      if (key === "id") return record.id.startsWith(value);
      const eq = value.indexOf("=");
      return eq === -1 ? Object.hasOwn(labels, value) : labels[value.slice(0, eq)] === value.slice(eq + 1);
    }),
  );
}

/** `table TEMPLATE`: a header from the fields' names, then the rows, columns split on tabs and aligned. */
export function tableOf(template: string, render: (row: PsRow) => string, rows: PsRow[]): string {
  const header = template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, field: string) => (Object.hasOwn(HEADERS, field) ? HEADERS[field as keyof PsRow] : field.toUpperCase()));
  const lines = [header, ...rows.map(render)].map((line) => line.split(/\t|\\t/));
  const widths: number[] = [];
  for (const cells of lines) cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return lines.map((cells) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join("")).join("\n");
}
