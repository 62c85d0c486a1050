// Writing a container's record so that neither a crash nor a full disk can lose it.
//
// A crash of minic: the new text goes to another file that is renamed over state.json, so a
// reader sees the old record or the new one, never a mix. Nothing is fsynced (runc does not
// either): each fsync cost 0.3 ms here and `run` writes its record two or three times. After a
// power cut a record may read as empty or old; it is then listed as damaged, never deleted.
// A full disk: writing a new file needs free blocks, and a container is most often stopped or
// removed exactly when the disk is full. So every record is padded with spaces (JSON allows
// trailing whitespace) to whole blocks, and beside it lies a spare, state.json.next, whose blocks
// were allocated while there was room. An update overwrites the spare (no new blocks), renames
// it over state.json (which frees the old record's blocks) and makes a new spare from those.
// Callers hold the container's lock (lock.ts): the spare is shared by all writers. Errors name
// state.json, the file the user knows of, whichever file the write was going through.
import { closeSync, fstatSync, ftruncateSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";

export const RECORD_FILE = "state.json";
export const SPARE_FILE = "state.json.next";
/** The allocation unit records are padded to: a page on tmpfs, a block on ext4 and xfs. */
export const BLOCK_SIZE = 4096;

/**
 * How a record reached the disk. "spare": the normal way. "temp": there was no usable spare
 * (a record older than spares, a spare too small for a grown record, or a disk too full to make
 * one last time). "in-place": the disk is full; state.json was overwritten where it lies, which a
 * crash in the middle could tear, so the caller should warn.
 */
export type WriteMethod = "spare" | "temp" | "in-place";

/** The record's bytes followed by spaces up to a whole number of blocks (at least one). */
export function padRecord(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const padded = Buffer.alloc(Math.max(1, Math.ceil(bytes.length / BLOCK_SIZE)) * BLOCK_SIZE, " ");
  bytes.copy(padded);
  return padded;
}

/** Write a new container's first record and its spare; a full disk here is an error, as nothing is lost yet. */
export function createRecordFiles(dir: string, text: string): void {
  const data = padRecord(text);
  const target = join(dir, RECORD_FILE);
  const failure = writeThroughTemp(dir, data);
  if (failure !== null) throw cannotWrite(target, failure);
  const spareFailure = makeSpare(dir, data.length);
  if (spareFailure !== null) throw cannotWrite(join(dir, SPARE_FILE), spareFailure);
}

/**
 * Replace the record in `dir` with `text`. Succeeds on a full disk as long as state.json exists
 * and the record has not grown past its blocks; other failures throw a MinicError.
 */
export function writeRecordFile(dir: string, text: string): WriteMethod {
  const data = padRecord(text);
  const method = writeThroughSpare(dir, data) ? "spare" : tryWriteThroughTemp(dir, data) ? "temp" : writeInPlace(dir, data);
  // The rename just freed the old record's blocks, so a full disk usually has room for this; if
  // not, or if anything else goes wrong, the record is written and the next write falls back.
  makeSpare(dir, data.length);
  return method;
}

/** ENOSPC, or EDQUOT, which to the writer is the same thing: no new blocks. */
export function isDiskFull(error: unknown): boolean {
  return errnoCode(error) === "ENOSPC" || errnoCode(error) === "EDQUOT";
}

/** Overwrite the spare and rename it over the record; false when there is no usable spare. */
function writeThroughSpare(dir: string, data: Buffer): boolean {
  const spare = join(dir, SPARE_FILE);
  const target = join(dir, RECORD_FILE);
  let fd: number;
  try {
    // r+: no O_TRUNC, which would free the very blocks this file is kept for.
    fd = openSync(spare, "r+");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return false;
    throw cannotWrite(target, error);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < data.length) return false;
    writeAll(fd, data, 0);
    if (size > data.length) ftruncateSync(fd, data.length);
  } catch (error) {
    // On copy-on-write file systems (btrfs) even an overwrite needs new blocks.
    if (isDiskFull(error)) return false;
    throw cannotWrite(target, error);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(spare, target);
  } catch (error) {
    if (isDiskFull(error)) return false;
    throw cannotWrite(target, error);
  }
  return true;
}

function tryWriteThroughTemp(dir: string, data: Buffer): boolean {
  const failure = writeThroughTemp(dir, data);
  if (failure === null) return true;
  if (isDiskFull(failure)) return false;
  throw cannotWrite(join(dir, RECORD_FILE), failure);
}

/** Write a new file and rename it over the record; returns what went wrong, or null. */
function writeThroughTemp(dir: string, data: Buffer): unknown {
  const temporary = join(dir, `${RECORD_FILE}.tmp-${process.pid}`);
  try {
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeAll(fd, data, 0);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, join(dir, RECORD_FILE));
    return null;
  } catch (error) {
    removeQuietly(temporary);
    return error;
  }
}

/** The last resort on a full disk: overwrite state.json's own blocks. */
function writeInPlace(dir: string, data: Buffer): "in-place" {
  const target = join(dir, RECORD_FILE);
  let fd: number;
  try {
    fd = openSync(target, "r+");
  } catch (error) {
    // No record to overwrite: the disk being full is the failure worth naming.
    throw cannotWrite(target, errnoCode(error) === "ENOENT" ? "no space left on device" : error);
  }
  try {
    const size = fstatSync(fd).size;
    // Keep the file's size: padding to the old end instead of truncating leaves no moment in
    // which the new text is followed by the old one's tail.
    const whole = Buffer.alloc(Math.max(size, data.length), " ");
    data.copy(whole);
    if (whole.length > size) {
      // Grow first, writing only past the old end: if the disk refuses, cutting back to the old
      // size leaves the old record whole.
      try {
        writeAll(fd, whole.subarray(size), size);
      } catch (error) {
        ftruncateSync(fd, size);
        throw error;
      }
    }
    writeAll(fd, whole.subarray(0, size), 0);
  } catch (error) {
    throw cannotWrite(target, error);
  } finally {
    closeSync(fd);
  }
  return "in-place";
}

/** A fresh spare of `size` bytes; returns what went wrong, or null. */
function makeSpare(dir: string, size: number): unknown {
  const spare = join(dir, SPARE_FILE);
  try {
    writeFileSync(spare, Buffer.alloc(size, " "), { mode: 0o600 });
    return null;
  } catch (error) {
    // A short spare is useless and holds blocks the next write may need.
    removeQuietly(spare);
    return error;
  }
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    const written = writeSync(fd, data, done, data.length - done, position + done);
    if (written <= 0) throw new Error("write made no progress");
    done += written;
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Only a leftover file; the caller's own error is the one to report.
  }
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** "cannot write /x/state.json: read-only file system", from Bun's "EROFS: read-only file system, open '/x'". */
function cannotWrite(path: string, cause: unknown): MinicError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const reason = /^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return new MinicError(`cannot write ${path}: ${reason}`);
}
