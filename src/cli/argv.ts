// Docker-style option parsing: options come first and stop at the first positional (or `--`),
// so `minic run --rootfs R sh -c 'echo -n hi'` hands `-c` and `-n` to sh.
import { MinicError } from "../errors.ts";
import { nearest } from "./suggest.ts";

export interface FlagSpec {
  name: string;
  short?: string;
  kind: "boolean" | "string" | "list";
  description: string;
  valueHint?: string;
}

export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export interface ParsedCommandLine {
  flags: FlagValues;
  positionals: string[];
}

export function parseCommandLine(argv: string[], specs: FlagSpec[], command: string): ParsedCommandLine {
  const flags: FlagValues = {};
  const byLong = new Map(specs.map((spec) => [spec.name, spec]));
  const byShort = new Map(specs.flatMap((spec) => (spec.short ? [[spec.short, spec] as const] : [])));
  const unknown = (flag: string): MinicError => {
    const near = flag.startsWith("--") ? nearest(flag.slice(2), specs.map((spec) => spec.name)) : null;
    return new MinicError(`unknown flag: ${flag}`, undefined, near !== null ? `did you mean --${near}? see 'minic ${command} --help'` : `see 'minic ${command} --help'`);
  };

  const set = (spec: FlagSpec, value: string | true): void => {
    if (spec.kind === "list") {
      const list = flags[spec.name];
      flags[spec.name] = [...(Array.isArray(list) ? list : []), String(value)];
    } else flags[spec.name] = value;
  };

  let i = 0;
  const takeValue = (flag: string): string => {
    const value = argv[++i];
    if (value === undefined) throw new MinicError(`flag needs an argument: ${flag}`, undefined, `see 'minic ${command} --help'`);
    return value;
  };

  for (; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "--") {
      i++;
      break;
    }
    if (!token.startsWith("-") || token === "-") break;

    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const name = token.slice(2, eq === -1 ? undefined : eq);
      const spec = byLong.get(name);
      if (spec === undefined) throw unknown(`--${name}`);
      if (spec.kind === "boolean") {
        if (eq !== -1) {
          const text = token.slice(eq + 1);
          if (text !== "true" && text !== "false") throw new MinicError(`invalid value "${text}" for --${name}: expected true or false`);
          flags[spec.name] = text === "true";
        } else set(spec, true);
      } else set(spec, eq === -1 ? takeValue(`--${name}`) : token.slice(eq + 1));
      continue;
    }

    // A cluster of short flags: `-it`, `-e K=V`, `-eK=V`.
    for (let j = 1; j < token.length; j++) {
      const letter = token[j] ?? "";
      const spec = byShort.get(letter);
      if (spec === undefined) throw unknown(`-${letter}`);
      if (spec.kind === "boolean") {
        set(spec, true);
        continue;
      }
      const rest = token.slice(j + 1);
      set(spec, rest.length > 0 ? rest : takeValue(`-${letter}`));
      break;
    }
  }
  return { flags, positionals: argv.slice(i) };
}

export function stringFlag(flags: FlagValues, name: string): string | null {
  const value = flags[name];
  return typeof value === "string" ? value : null;
}

export function listFlag(flags: FlagValues, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : [];
}

export function booleanFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}
