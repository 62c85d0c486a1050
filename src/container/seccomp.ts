// The container's seccomp filter: which profile (minic's default, none, or a file in Docker's
// format), and its compiled program for the plan.
import { readFileSync } from "node:fs";
import { MinicError } from "../errors.ts";
import type { CompiledFilters } from "../plan/plan.ts";
import { seccompProgram } from "../seccomp/compile.ts";
import defaultProfile from "../seccomp/default-profile.json";
import type { Spec } from "../spec/types.ts";
import { fsReason } from "../state/store.ts";

/** --security-opt seccomp=...: null for minic's default profile, "unconfined", or a file. */
export function seccompProfileFor(choice: string | null): { profile: unknown; source: string } | null {
  if (choice === null) return { profile: defaultProfile, source: "(minic's default)" };
  if (choice === "unconfined") return null;
  let text: string;
  try {
    text = readFileSync(choice, "utf8");
  } catch (error) {
    throw new MinicError(`cannot read the seccomp profile ${choice}: ${fsReason(error)}`);
  }
  try {
    return { profile: JSON.parse(text) as unknown, source: choice };
  } catch (error) {
    throw new MinicError(`seccomp profile ${choice}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** What the plan installs: the spec's seccomp program (compiled once, then cached in `root`). */
export function compiledFilters(spec: Spec, root: string): CompiledFilters {
  const seccomp = spec.linux.seccomp;
  return { seccomp: seccomp === undefined ? null : Buffer.from(seccompProgram(seccomp, root)).toString("base64") };
}
