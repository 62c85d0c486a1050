// Writing a tar stream (POSIX ustar, with a pax header for what it cannot hold: names and link
// targets too long, files of 8 GiB and more): what the build context is sent as. Owners are 0,
// as Docker's own client sends them.

export type TarEntry =
  | { type: "file"; name: string; mode: number; mtime: number; size: number }
  | { type: "directory"; name: string; mode: number; mtime: number }
  | { type: "symlink"; name: string; mode: number; mtime: number; target: string }
  /** A second name of a file already in the archive, by that first name (`target`). */
  | { type: "hardlink"; name: string; mode: number; mtime: number; target: string };

export const BLOCK = 512;
const TYPE_FLAGS = { file: "0", hardlink: "1", symlink: "2", directory: "5" } as const;
/** The largest size ustar's 11 octal digits hold: 8 GiB less a byte. */
const USTAR_MAX_SIZE = 0o77777777777;
const encoder = new TextEncoder();

function writeString(block: Uint8Array, offset: number, length: number, text: string): void {
  block.set(encoder.encode(text).subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${Math.floor(value).toString(8).padStart(length - 1, "0")}\0`);
}

function header(name: string, entry: { mode: number; mtime: number }, size: number, typeFlag: string, linkName: string, prefix = ""): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, entry.mtime);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  writeString(block, 156, 1, typeFlag);
  writeString(block, 157, 100, linkName);
  writeString(block, 257, 8, "ustar\u000000");
  writeString(block, 345, 155, prefix);
  const sum = block.reduce((total, byte) => total + byte, 0);
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** A pax record: "<length> <key>=<value>\n", where the length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  let length = bodyLength + 1;
  while (bodyLength + String(length).length !== length) length = bodyLength + String(length).length;
  return `${length}${body}`;
}

/** Split a long name into ustar's prefix and name fields, if it fits. */
function splitName(name: string): { prefix: string; name: string } | null {
  if (encoder.encode(name).length <= 100) return { prefix: "", name };
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(rest).length <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  return null;
}

export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) of one entry; a file's data and padding follow it. */
export function entryHeader(entry: TarEntry): Uint8Array[] {
  const name = entry.type === "directory" ? `${entry.name}/` : entry.name;
  const target = entry.type === "symlink" || entry.type === "hardlink" ? entry.target : "";
  const size = entry.type === "file" ? entry.size : 0;
  const split = splitName(name);
  const longTarget = encoder.encode(target).length > 100;
  const largeSize = size > USTAR_MAX_SIZE;
  if (split && !longTarget && !largeSize) return [header(split.name, entry, size, TYPE_FLAGS[entry.type], target, split.prefix)];
  const records = encoder.encode(
    (split ? "" : paxRecord("path", name)) + (longTarget ? paxRecord("linkpath", target) : "") + (largeSize ? paxRecord("size", String(size)) : ""),
  );
  const fallbackName = split?.name ?? name.slice(0, 100);
  return [
    header(`PaxHeader/${fallbackName}`.slice(0, 100), entry, records.length, "x", ""),
    records,
    padding(records.length),
    // A size ustar cannot hold is the pax record's; the field keeps what it can.
    header(fallbackName, entry, largeSize ? 0 : size, TYPE_FLAGS[entry.type], longTarget ? target.slice(0, 100) : target, split?.prefix ?? ""),
  ];
}

/** Two zero blocks end an archive. */
export function endOfArchive(): Uint8Array {
  return new Uint8Array(BLOCK * 2);
}
