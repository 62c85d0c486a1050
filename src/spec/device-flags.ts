// --device HOST[:CTR][:PERMS] and --device-cgroup-rule 'TYPE MAJOR:MINOR PERMS', as Docker reads
// them. Which node HOST is (its type and numbers) is looked up on the host by the runtime.
import { MinicError } from "../errors.ts";
import type { DeviceRule } from "./types.ts";

export interface DeviceRequest {
  host: string;
  container: string;
  /** Some of r, w, m. */
  access: string;
}

const ACCESS = /^(?!.*(.).*\1)[rwm]{1,3}$/;

export function parseDeviceFlag(value: string): DeviceRequest {
  const parts = value.split(":");
  const [host = "", second, third] = parts;
  let container = host;
  let access = "rwm";
  if (parts.length === 2 && second !== undefined) {
    if (ACCESS.test(second)) access = second;
    else container = second;
  } else if (parts.length === 3 && second !== undefined && third !== undefined) {
    container = second;
    access = third;
  }
  if (parts.length > 3 || !host.startsWith("/") || !container.startsWith("/") || !ACCESS.test(access)) {
    throw new MinicError(`invalid --device "${value}": expected HOST_PATH[:CONTAINER_PATH][:PERMISSIONS], with absolute paths and permissions of r, w and m`);
  }
  if (!container.startsWith("/dev/")) throw new MinicError(`invalid --device "${value}": the container path must be under /dev`);
  return { host, container, access };
}

export function parseDeviceCgroupRule(value: string): DeviceRule {
  const match = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(value.trim());
  if (match === null || !ACCESS.test(match[4] ?? "")) {
    throw new MinicError(`invalid --device-cgroup-rule "${value}": expected TYPE MAJOR:MINOR PERMISSIONS, e.g. 'c 1:3 rwm' or 'b 8:* r'`);
  }
  const [, type, major, minor, access] = match;
  return {
    allow: true,
    type: type as "a" | "b" | "c",
    ...(major === "*" ? {} : { major: Number(major) }),
    ...(minor === "*" ? {} : { minor: Number(minor) }),
    access,
  };
}
