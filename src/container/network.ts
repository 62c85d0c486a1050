// A container's network over its life: set up when it is provisioned (before its process exists),
// taken back when it stops or is removed, on every path. Only `--network bridge` has anything to
// set up; the other modes are namespaces the plan makes or joins.
import { log } from "../log.ts";
import { releaseBridge, setUpBridge } from "../network/bridge.ts";
import { NETWORK_ANNOTATION } from "../spec/from-run-flags.ts";
import type { Spec } from "../spec/types.ts";
import { containerDir, readSpec } from "../state/store.ts";

function onBridge(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[NETWORK_ANNOTATION] === "bridge";
}

export function setUpNetwork(root: string, id: string, spec: Pick<Spec, "annotations">): void {
  if (onBridge(spec.annotations)) setUpBridge(root, id, containerDir(root, id));
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
    releaseBridge(root, id, containerDir(root, id));
  } catch (error) {
    log.warn(`taking back the network of container ${id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
