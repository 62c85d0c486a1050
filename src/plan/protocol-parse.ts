// Reading native/protocol.h as data: its enums, the member order of its structs, its #defines.
// Plain objects, so that the tables can be made while minic is built (protocol-tables.ts).

export interface ProtocolTables {
  /** enum name -> value, for every enum in the header (OP_MOUNT, REPORT_READY, OPF_IGNORE_ENOENT...). */
  constants: Record<string, number>;
  /** struct name -> member names in order (every member of op and job is 8 bytes; of report, 4). */
  structs: Record<string, string[]>;
  /** #define NAME number */
  defines: Record<string, number>;
}

export function parseProtocol(text: string): ProtocolTables {
  const constants: Record<string, number> = {};
  for (const [, body = ""] of text.matchAll(/\benum\s+\w+\s*\{([^}]*)\}/g)) {
    for (const [, name = "", value = ""] of body.matchAll(/^\s*(\w+)\s*=\s*(-?\d+)\s*,/gm)) constants[name] = Number(value);
  }
  const structs: Record<string, string[]> = {};
  for (const [, name = "", body = ""] of text.matchAll(/\bstruct\s+(\w+)\s*\{([^}]*)\}\s*;/g)) {
    const withoutComments = body.replace(/\/\*[\s\S]*?\*\//g, "");
    structs[name] = [...withoutComments.matchAll(/(\w+)\s*;/g)].map((match) => match[1] ?? "");
  }
  const defines: Record<string, number> = {};
  for (const [, name = "", value = ""] of text.matchAll(/^#define\s+(\w+)\s+(-?\d+)\s*$/gm)) defines[name] = Number(value);
  return { constants, structs, defines };
}
