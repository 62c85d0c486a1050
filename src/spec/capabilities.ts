// --cap-add, --cap-drop and --privileged to the container's capability set, with Docker's rules:
// names with or without CAP_, any case; ALL; adding ALL starts from every capability, dropping ALL
// from none, and what is added explicitly is kept even then.
import { MinicError } from "../errors.ts";
import { CAPABILITIES, type Capability } from "../plan/linux.ts";
import { DEFAULT_CAPABILITIES } from "./defaults.ts";

export const ALL_CAPABILITIES = Object.keys(CAPABILITIES) as Capability[];

/** "net_admin", "CAP_NET_ADMIN", "ALL" -> CAP_NET_ADMIN or "ALL"; an unknown name is an error. */
export function parseCapability(flag: "cap-add" | "cap-drop", value: string): Capability | "ALL" {
  const upper = value.toUpperCase();
  if (upper === "ALL") return "ALL";
  const name = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!Object.hasOwn(CAPABILITIES, name)) throw new MinicError(`invalid --${flag} "${value}": unknown capability ${name}`);
  return name as Capability;
}

/**
 * The container's set. `available`: what minic itself may pass on (its own bounding set): ALL
 * and --privileged mean all of those, and adding one minic lacks is an error.
 */
export function capabilitySet(add: (Capability | "ALL")[], drop: (Capability | "ALL")[], privileged: boolean, available: Capability[]): Capability[] {
  const missing = add.find((cap) => cap !== "ALL" && !available.includes(cap));
  if (missing !== undefined) throw new MinicError(`--cap-add ${missing}: minic itself does not have this capability, so it cannot give it`);
  let base: Capability[] = privileged || add.includes("ALL") ? [...available] : [...DEFAULT_CAPABILITIES];
  if (drop.includes("ALL")) base = [];
  const dropped = new Set(drop);
  const added = add.filter((cap): cap is Capability => cap !== "ALL");
  const kept = base.filter((cap) => !dropped.has(cap));
  // In kernel order, as /proc/self/status and capsh print them.
  return ALL_CAPABILITIES.filter((cap) => kept.includes(cap) || added.includes(cap));
}
