// Container labels (-l, --label-file, and the image's LABELs under them), kept in the spec as one
// annotation: `inspect` shows them, `ps --filter label=...` selects by them.
import { MinicError } from "../errors.ts";

export const LABELS_ANNOTATION = "org.minic.labels";

/** `K=V` (or `K`, an empty value) entries, later ones winning. */
export function labelsFrom(entries: string[], source = "--label"): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    const key = eq === -1 ? entry : entry.slice(0, eq);
    if (key === "" || entry.includes("\0")) throw new MinicError(`invalid ${source} "${entry}": expected KEY=VALUE`);
    labels[key] = eq === -1 ? "" : entry.slice(eq + 1);
  }
  return labels;
}

/** A --label-file: a label a line, blank lines and # comments skipped; a bad line named by number. */
export function parseLabelFile(text: string, path: string): string[] {
  const entries: string[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (line.startsWith("=")) throw new MinicError(`invalid --label-file ${path}, line ${index + 1}: "${line}" (expected KEY=VALUE)`);
    entries.push(line);
  });
  return entries;
}

/** The labels an annotation holds ({} when there are none, or it is not an object of strings). */
export function labelsOf(annotations: Record<string, string> | undefined): Record<string, string> {
  const text = annotations?.[LABELS_ANNOTATION];
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  } catch {
    return {};
  }
}
