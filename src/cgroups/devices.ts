// The device cgroup's rules (OCI linux.resources.devices) in the two forms the kernel takes:
// v1's devices.deny/devices.allow lines here; v2's eBPF program in device-program.ts.
import type { DeviceRule } from "../spec/types.ts";

/** A rule's parts with the wildcards spelled out: type "a", major or minor "*", access "rwm". */
export function normalRule(rule: DeviceRule): { allow: boolean; type: "a" | "c" | "b"; major: number | "*"; minor: number | "*"; access: string } {
  const wildcard = (n: number | undefined): number | "*" => (n === undefined || n < 0 ? "*" : n);
  return { allow: rule.allow, type: rule.type ?? "a", major: wildcard(rule.major), minor: wildcard(rule.minor), access: rule.access || "rwm" };
}

/**
 * v1: each rule is one write to devices.allow or devices.deny, in order. A rule for every
 * device is written "a", which v1 reads as all of them (and resets the list).
 */
export function v1DeviceWrites(rules: DeviceRule[]): [file: "devices.allow" | "devices.deny", line: string][] {
  return rules.map((rule) => {
    const { allow, type, major, minor, access } = normalRule(rule);
    const file = allow ? "devices.allow" : "devices.deny";
    if (type === "a" && major === "*" && minor === "*" && access === "rwm") return [file, "a"];
    return [file, `${type} ${major}:${minor} ${access}`];
  });
}
