// The build context: CONTEXT's files minus what .dockerignore excludes, as a tar stream read from
// disk while it is sent, so a large context is never held in memory.
import { closeSync, existsSync, lstatSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import { isIgnored, mayReinclude, parseDockerignore, type IgnorePattern } from "./dockerignore.ts";
import { endOfArchive, entryHeader, padding, type TarEntry } from "./tar.ts";

export interface ContextFile {
  /** Path inside the context, `/`-separated. */
  name: string;
  /** Where its bytes come from on disk. */
  source: string;
  stats: Stats;
}

/** The context's files in a stable order, parents before children. */
export function contextFiles(contextDir: string, dockerfileName: string): ContextFile[] {
  const ignorePath = join(contextDir, ".dockerignore");
  // The Dockerfile and .dockerignore are always sent, as Docker's client does.
  const patterns: IgnorePattern[] = [
    ...(existsSync(ignorePath) ? parseDockerignore(readFileSync(ignorePath, "utf8")) : []),
    ...parseDockerignore(`!${dockerfileName}\n!.dockerignore`),
  ];
  const files: ContextFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const source = join(dir, entry);
      const name = relative(contextDir, source).split(sep).join("/");
      const stats = lstatSync(source);
      const ignored = isIgnored(patterns, name);
      if (!ignored && (stats.isFile() || stats.isDirectory() || stats.isSymbolicLink())) files.push({ name, source, stats });
      if (stats.isDirectory() && (!ignored || mayReinclude(patterns, name))) walk(source);
    }
  };
  walk(contextDir);
  return files;
}

function tarEntry(file: ContextFile): TarEntry {
  const common = { name: file.name, mode: file.stats.mode, mtime: Math.floor(file.stats.mtimeMs / 1000) };
  if (file.stats.isDirectory()) return { type: "directory", ...common };
  if (file.stats.isSymbolicLink()) return { type: "symlink", ...common, target: readlinkSync(file.source) };
  return { type: "file", ...common, size: file.stats.size };
}

const CHUNK = 256 * 1024;

function* fileChunks(file: ContextFile, size: number): Generator<Uint8Array> {
  const fd = openSync(file.source, "r");
  try {
    let left = size;
    while (left > 0) {
      const buffer = new Uint8Array(Math.min(CHUNK, left));
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) throw new Error(`${file.source} shrank while the build context was being sent`);
      left -= n;
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

function* archive(files: ContextFile[], extra: { name: string; data: Uint8Array }[]): Generator<Uint8Array> {
  // A file with several names goes once: its other names are hard links to the first.
  const firstNames = new Map<string, string>();
  for (const file of files) {
    let entry = tarEntry(file);
    if (entry.type === "file" && file.stats.nlink > 1) {
      const key = `${file.stats.dev}:${file.stats.ino}`;
      const first = firstNames.get(key);
      if (first === undefined) firstNames.set(key, file.name);
      else entry = { type: "hardlink", name: file.name, mode: entry.mode, mtime: entry.mtime, target: first };
    }
    yield* entryHeader(entry);
    if (entry.type === "file") {
      yield* fileChunks(file, entry.size);
      yield padding(entry.size);
    }
  }
  for (const { name, data } of extra) {
    yield* entryHeader({ type: "file", name, mode: 0o644, mtime: Math.floor(Date.now() / 1000), size: data.length });
    yield data;
    yield padding(data.length);
  }
  yield endOfArchive();
}

/** The context as a tar stream, with `extra` in-memory files (a Dockerfile from outside it). */
export function contextStream(files: ContextFile[], extra: { name: string; data: Uint8Array }[] = []): ReadableStream<Uint8Array> {
  const chunks = archive(files, extra);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      chunks.return(undefined);
    },
  });
}
