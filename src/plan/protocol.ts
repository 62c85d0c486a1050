// native/protocol.h, read as data: the op codes, report kinds and record layouts that the C
// executor is compiled with. Nothing here restates a number, so the two sides cannot drift.
import type { ProtocolTables } from "./protocol-parse.ts";
import { protocolTables } from "./protocol-tables.ts" with { type: "macro" };

export { parseProtocol, type ProtocolTables } from "./protocol-parse.ts";

/** native/protocol.h's tables, made when minic was built. */
const TABLES: ProtocolTables = protocolTables();

export function protocol(): ProtocolTables {
  return TABLES;
}

export function constant(name: string): number {
  const value = Object.hasOwn(TABLES.constants, name) ? TABLES.constants[name] : TABLES.defines[name];
  if (value === undefined) throw new Error(`native/protocol.h defines no ${name}`);
  return value;
}

/** The byte offset of `member` in `struct`, whose members are all `width` bytes wide. */
export function offsetOf(struct: string, member: string, width = 8): number {
  const index = TABLES.structs[struct]?.indexOf(member) ?? -1;
  if (index < 0) throw new Error(`native/protocol.h: struct ${struct} has no member ${member}`);
  return index * width;
}

export function sizeOf(struct: string, width = 8): number {
  const members = TABLES.structs[struct];
  if (members === undefined) throw new Error(`native/protocol.h has no struct ${struct}`);
  return members.length * width;
}

/** The C name of an op: "mount-in-root" is OP_MOUNT_IN_ROOT. */
export function opConstantName(op: string): string {
  return `OP_${op.toUpperCase().replace(/-/g, "_")}`;
}
