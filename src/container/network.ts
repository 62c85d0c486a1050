// A container's network over its life: set up when it is provisioned (before its process exists),
// taken back when it stops or is removed, on every path. Only `--network bridge` has anything to
// set up; the other modes are namespaces the plan makes or joins.
import { log } from "../log.ts";
import { bridgeAddress, releaseBridge, setUpBridge } from "../network/bridge.ts";
import { NETWORK_ANNOTATION, PORTS_ANNOTATION } from "../spec/from-run-flags.ts";
import type { PortMapping } from "../spec/ports.ts";
import { isAlive } from "../process/identity.ts";
import type { Spec } from "../spec/types.ts";
import { containerDir, findContainer, listRecords, readSpec, stateRoot } from "../state/store.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CniResult } from "../network/cni.ts";

function onBridge(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[NETWORK_ANNOTATION] === "bridge";
}

export function setUpNetwork(root: string, id: string, spec: Pick<Spec, "annotations">): void {
  if (onBridge(spec.annotations)) setUpBridge(root, id, containerDir(root, id), portsOf(spec.annotations));
}

/** A container's published ports, from its spec. */
export function portsOf(annotations: Record<string, string> | undefined): PortMapping[] {
  try {
    const parsed: unknown = JSON.parse(annotations?.[PORTS_ANNOTATION] ?? "[]");
    return Array.isArray(parsed) ? (parsed as PortMapping[]) : [];
  } catch {
    return [];
  }
}

/** The ports minic's running containers publish now, as "tcp/18080". */
export function publishedPorts(root: string): Set<string> {
  const taken = new Set<string>();
  for (const entry of listRecords(root)) {
    if (entry.kind !== "ok" || entry.record.status === "stopped" || !isAlive(entry.record.process)) continue;
    try {
      const annotations = (readSpec(root, entry.record.id) as Pick<Spec, "annotations">).annotations;
      for (const mapping of portsOf(annotations)) taken.add(`${mapping.protocol}/${mapping.hostPort}`);
    } catch {
      // no spec: no ports
    }
  }
  return taken;
}

/** Idempotent: a container whose network is already gone has nothing to take back. */
export function releaseNetwork(root: string, id: string): void {
  let annotations: Record<string, string> | undefined;
  try {
    annotations = (readSpec(root, id) as Pick<Spec, "annotations">).annotations;
  } catch {
    return; // no spec: nothing of minic's network was made for it
  }
  if (!onBridge(annotations)) return;
  try {
    releaseBridge(root, id, containerDir(root, id), portsOf(annotations));
  } catch (error) {
    log.warn(`taking back the network of container ${id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `minic port`: a container's published ports, by name or id. */
export function containerPorts(ref: string): PortMapping[] {
  const root = stateRoot();
  const record = findContainer(root, ref);
  return portsOf((readSpec(root, record.id) as Pick<Spec, "annotations">).annotations);
}

/** The container's address on the bridge while it has one. */
export function bridgeAddressOf(root: string, id: string): string | null {
  try {
    return bridgeAddress(JSON.parse(readFileSync(join(containerDir(root, id), "network.json"), "utf8")) as CniResult);
  } catch {
    return null;
  }
}
