// The engine's answer to POST /build: JSON messages, one per line, carrying the steps' output,
// pull progress, the image id, or the error that ended the build.
import { MinicError } from "../errors.ts";

export type BuildMessage =
  | { kind: "output"; text: string }
  | { kind: "status"; text: string }
  | { kind: "image"; id: string }
  | { kind: "error"; message: string; code: number | null };

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

export function parseBuildMessage(line: string): BuildMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return line.trim() === "" ? null : { kind: "output", text: `${line}\n` };
  }
  const error = field(value, "error");
  if (typeof error === "string") {
    const code = field(field(value, "errorDetail"), "code");
    return { kind: "error", message: error, code: typeof code === "number" ? code : null };
  }
  const stream = field(value, "stream");
  if (typeof stream === "string") return { kind: "output", text: stream };
  const id = field(field(value, "aux"), "ID");
  if (typeof id === "string") return { kind: "image", id };
  const status = field(value, "status");
  // Pull progress bars ("Downloading [==>  ]") would flood a log: only their status changes are kept.
  if (typeof status === "string" && field(value, "progressDetail") === undefined) {
    const layer = field(value, "id");
    return { kind: "status", text: typeof layer === "string" ? `${layer}: ${status}` : status };
  }
  return null;
}

/** Splits a byte stream into lines; `flush` returns what is left after the last newline. */
export function lineSplitter(): { push(text: string): string[]; flush(): string } {
  let pending = "";
  return {
    push(text) {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      return lines;
    },
    flush() {
      const rest = pending;
      pending = "";
      return rest;
    },
  };
}

export interface BuildProgress {
  /** Every complete line of build output, as it arrives. */
  line(text: string): void;
}

/** The image a FROM step names, for the error when it cannot be pulled. */
function baseImageOf(step: string): string | null {
  const match = /^Step \d+\/\d+ : FROM\s+(?:--\S+\s+)*(\S+)/i.exec(step);
  return match?.[1] ?? null;
}

/**
 * Follow a build to its end: report each output line, and return the image id, or throw the
 * build's error with what it was doing. With `quiet`, a failing step's output is printed anyway.
 */
export async function followBuild(body: ReadableStream<Uint8Array>, progress: BuildProgress, quiet: boolean): Promise<string> {
  const decoder = new TextDecoder();
  const messages = lineSplitter();
  const output = lineSplitter();
  let step = "";
  let stepLines: string[] = [];
  let image: string | null = null;

  const emit = (line: string): void => {
    if (line.startsWith("Step ")) {
      step = line;
      stepLines = [];
    }
    stepLines.push(line);
    if (!quiet) progress.line(line);
  };
  const handle = (message: BuildMessage | null): void => {
    if (message === null) return;
    if (message.kind === "output") for (const line of output.push(message.text)) emit(line);
    else if (message.kind === "status") emit(message.text);
    else if (message.kind === "image") image = message.id;
    else {
      const rest = output.flush();
      if (rest !== "") emit(rest);
      if (quiet) for (const line of stepLines) progress.line(line);
      const base = baseImageOf(step);
      if (base !== null) throw new MinicError(`the base image "${base}" is not available: ${message.message}`);
      const at = /^Step (\d+\/\d+) : (.*)$/.exec(step);
      throw new MinicError(`the build failed${at ? ` at step ${at[1]} (${at[2]})` : ""}: ${message.message}`);
    }
  };

  for await (const chunk of body) {
    for (const line of messages.push(decoder.decode(chunk, { stream: true }))) handle(parseBuildMessage(line));
  }
  handle(parseBuildMessage(messages.flush()));
  const rest = output.flush();
  if (rest !== "") emit(rest);
  if (image === null) throw new MinicError("the build ended without an image id: the engine's answer was cut short");
  return image;
}
