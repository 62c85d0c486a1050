// The record `minic build` writes into every rootfs it makes (.minic-rootfs): which image and
// Dockerfile it came from, when, and the image's configuration, which `minic run` applies.
import { closeSync, constants, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MinicError } from "../errors.ts";
import { imageConfigFrom, type ImageConfig } from "../spec/image-config.ts";

/** Its name: also the mark that lets a later build replace the rootfs without --force. */
export const ROOTFS_MARKER = ".minic-rootfs";

export interface RootfsRecord {
  image: string;
  dockerfile: string;
  built: string;
  /** The engine's Config of the image; absent in rootfs built by a minic before it was kept. */
  config?: unknown;
}

/**
 * The image configuration of a rootfs minic built; null for any other rootfs, or one built
 * before minic kept it. A record that is a link or not a file is no record: the rootfs's own
 * content is not to be followed out of it.
 */
export function readImageConfig(rootfs: string): ImageConfig | null {
  const path = join(rootfs, ROOTFS_MARKER);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  let text: string;
  try {
    text = readFileSync(fd, "utf8");
  } catch {
    return null; // a directory or a device: not minic's record
  } finally {
    closeSync(fd);
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new MinicError(`${path} is damaged (not JSON): rebuild the rootfs with minic build, or remove the file`);
  }
  if (typeof record !== "object" || record === null || !("config" in record) || record.config === undefined) return null;
  return imageConfigFrom(record.config, path);
}
