// native/protocol.h, read as data: the op codes, report kinds and record layouts that the C
// executor is compiled with. Nothing here restates a number, so the two sides cannot drift.
import protocolHeader from "../../native/protocol.h" with { type: "text" };

export interface Protocol {
  /** enum name -> value, for every enum in the header (OP_MOUNT, REPORT_READY, OPF_IGNORE_ENOENT...). */
  constants: ReadonlyMap<string, number>;
  /** struct name -> member names in order (every member of op and job is 8 bytes; of report, 4). */
  structs: ReadonlyMap<string, string[]>;
  /** #define NAME number */
  defines: ReadonlyMap<string, number>;
}

export function parseProtocol(text: string): Protocol {
  const constants = new Map<string, number>();
  for (const [, body = ""] of text.matchAll(/\benum\s+\w+\s*\{([^}]*)\}/g)) {
    for (const [, name = "", value = ""] of body.matchAll(/^\s*(\w+)\s*=\s*(-?\d+)\s*,/gm)) constants.set(name, Number(value));
  }
  const structs = new Map<string, string[]>();
  for (const [, name = "", body = ""] of text.matchAll(/\bstruct\s+(\w+)\s*\{([^}]*)\}\s*;/g)) {
    const withoutComments = body.replace(/\/\*[\s\S]*?\*\//g, "");
    structs.set(name, [...withoutComments.matchAll(/(\w+)\s*;/g)].map((match) => match[1] ?? ""));
  }
  const defines = new Map<string, number>();
  for (const [, name = "", value = ""] of text.matchAll(/^#define\s+(\w+)\s+(-?\d+)\s*$/gm)) defines.set(name, Number(value));
  return { constants, structs, defines };
}

let parsed: Protocol | null = null;

export function protocol(): Protocol {
  parsed ??= parseProtocol(protocolHeader);
  return parsed;
}

export function constant(name: string): number {
  const value = protocol().constants.get(name) ?? protocol().defines.get(name);
  if (value === undefined) throw new Error(`native/protocol.h defines no ${name}`);
  return value;
}

/** The byte offset of `member` in `struct`, whose members are all `width` bytes wide. */
export function offsetOf(struct: string, member: string, width = 8): number {
  const index = protocol().structs.get(struct)?.indexOf(member) ?? -1;
  if (index < 0) throw new Error(`native/protocol.h: struct ${struct} has no member ${member}`);
  return index * width;
}

export function sizeOf(struct: string, width = 8): number {
  const members = protocol().structs.get(struct);
  if (members === undefined) throw new Error(`native/protocol.h has no struct ${struct}`);
  return members.length * width;
}

/** The C name of an op: "mount-in-root" is OP_MOUNT_IN_ROOT. */
export function opConstantName(op: string): string {
  return `OP_${op.toUpperCase().replace(/-/g, "_")}`;
}
