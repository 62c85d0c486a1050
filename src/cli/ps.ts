// `minic ps [-a] [-q] [-n N] [--no-trunc] [--filter K=V]... [--format table|json|TEMPLATE]`
import type { CommandDef } from "citty";
import { MinicError } from "../errors.ts";
import { booleanFlag, listFlag, parseCommandLine, stringFlag, type FlagSpec } from "./argv.ts";
import { type Command, commandDefinition, HELP_FLAG, printUsage } from "./command.ts";
import { COMMON_ENVIRONMENT } from "./help.ts";
import { containerTable } from "./format.ts";
import { matchesFilters, parsePsFilter, psRow, tableOf } from "./ps-view.ts";
import { formatWith } from "./template.ts";
import { shortId } from "../state/names.ts";
import { humanSize } from "../units.ts";
import { writeStdout } from "../output.ts";

const PS_FLAGS: FlagSpec[] = [
  { name: "all", short: "a", kind: "boolean", description: "Show all containers, damaged records included (default shows just running)" },
  { name: "quiet", short: "q", kind: "boolean", description: "Only display container ids" },
  { name: "last", short: "n", kind: "string", valueHint: "N", description: "Show the N last created containers, in any state" },
  { name: "filter", short: "f", kind: "list", valueHint: "K=V", description: "Only containers with status=created|running|paused|exited|restarting, name=PART, label=K[=V], id=PREFIX (repeatable)" },
  { name: "format", kind: "string", valueHint: "FORMAT", description: "table (default), json (one object a line), 'table TEMPLATE' or a Go TEMPLATE such as '{{.Names}}'" },
  { name: "no-trunc", kind: "boolean", description: "Show whole ids and commands" },
  { name: "size", short: "s", kind: "boolean", description: "Show each container's writable layer size" },
  HELP_FLAG,
];

const psDefinition: CommandDef = commandDefinition("ps", {
  usage: "minic ps [OPTIONS]",
  description: "List containers",
  flags: PS_FLAGS,
  examples: ["minic ps", "minic ps -a --filter status=exited", "minic ps --format '{{.Names}} {{.Status}}'"],
  environment: COMMON_ENVIRONMENT,
});

export const command: Command = {
  definition: psDefinition,
  async handle(argv) {
    const { flags } = parseCommandLine(argv, PS_FLAGS, "ps");
    if (booleanFlag(flags, "help")) return printUsage(psDefinition);
    const filters = listFlag(flags, "filter").map(parsePsFilter);
    const last = stringFlag(flags, "last");
    if (last !== null && !/^\d+$/.test(last)) throw new MinicError(`invalid --last "${last}": expected a number of containers`);
    const format = stringFlag(flags, "format") ?? "table";
    // Templates are checked before anything is read.
    const template = format === "table" || format === "json" ? null : formatWith(format.replace(/^table\s+/, ""));
    const noTrunc = booleanFlag(flags, "no-trunc");
    const { listContainers, containerLabels, writableLayerBytes } = await import("../container/list.ts");
    const { containerPorts } = await import("../container/network.ts");
    const { portLine } = await import("../spec/ports.ts");
    // As Docker: a status filter or --last looks at containers in every state.
    let entries = listContainers(booleanFlag(flags, "all") || last !== null || filters.some((filter) => filter.key === "status"));
    const needsLabels = filters.some((filter) => filter.key === "label") || format === "json" || /Labels/.test(format);
    const needsPorts = format === "json" || format === "table" || /Ports/.test(format);
    const labels = (id: string) => (needsLabels ? containerLabels(id) : {});
    // Frozen ones are Up ... (Paused), as Docker shows them, and status=paused finds them.
    const { isFrozen } = await import("../container/pause.ts");
    const paused = new Set(entries.flatMap((entry) => (entry.kind === "ok" && entry.record.status === "running" && isFrozen(entry.record.cgroup) ? [entry.record.id] : [])));
    if (filters.length > 0) entries = entries.filter((entry) => entry.kind === "ok" && matchesFilters(entry.record, labels(entry.record.id), filters, paused.has(entry.record.id)));
    if (last !== null) entries = entries.filter((entry) => entry.kind === "ok").slice(0, Number(last));
    const now = Date.now();
    const sizes = booleanFlag(flags, "size")
      ? new Map(entries.flatMap((entry) => (entry.kind === "ok" ? [[entry.record.id, humanSize(writableLayerBytes(entry.record.id))] as const] : [])))
      : null;
    if (booleanFlag(flags, "quiet")) return print(entries.map((entry) => (entry.kind === "ok" ? (noTrunc ? entry.record.id : shortId(entry.record.id)) : shortId(entry.id))));
    // Docker's PORTS: 0.0.0.0:8080->80/tcp.
    const portsOf = (id: string) => (needsPorts ? containerPorts(id).map((mapping) => portLine(mapping).replace(/^(\S+) -> (\S+)$/, "$2->$1")).join(", ") : "");
    if (format === "table") return print([containerTable(entries, now, sizes, new Map(entries.flatMap((entry) => (entry.kind === "ok" ? [[entry.record.id, portsOf(entry.record.id)] as const] : []))), paused)]);
    const rows = entries.flatMap((entry) => (entry.kind === "ok" ? [{ ...psRow(entry.record, labels(entry.record.id), now, noTrunc, sizes?.get(entry.record.id) ?? "", paused.has(entry.record.id)), Ports: portsOf(entry.record.id) }] : []));
    if (format === "json") return print(rows.map((row) => JSON.stringify(row)));
    if (template === null) return 0;
    return print(format.startsWith("table") ? [tableOf(format.replace(/^table\s+/, ""), template, rows)] : rows.map(template));
  },
};

function print(lines: string[]): number {
  const text = lines.join("\n");
  if (text.length > 0) writeStdout(`${text}\n`);
  return 0;
}
