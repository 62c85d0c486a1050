// runc's `update`: new limits for a running container, written to its cgroup, and kept in its
// config.json so that `state`-readers and a later update see them.
import { driverFor } from "../cgroups/cgroup.ts";
import { MinicError } from "../errors.ts";
import type { Resources, Spec } from "../spec/types.ts";
import { validateSpec } from "../spec/validate.ts";
import { readSpec, stateRoot, writeSpec } from "../state/store.ts";
import { containerById } from "./state.ts";

export function updateContainer(id: string, resources: Resources): void {
  const record = containerById(id);
  if (record.status === "stopped") throw new MinicError(`container ${id} is not running`);
  if (record.cgroup === null) throw new MinicError(`container ${id} has no cgroup to update`);
  const root = stateRoot();
  const spec = validateSpec(readSpec(root, record.id)) as Spec;
  const merged: Resources = {
    ...spec.linux.resources,
    ...(resources.memory ? { memory: { ...spec.linux.resources.memory, ...resources.memory } } : {}),
    ...(resources.cpu ? { cpu: { ...spec.linux.resources.cpu, ...resources.cpu } } : {}),
    ...(resources.pids ? { pids: resources.pids } : {}),
    ...(resources.unified ? { unified: { ...spec.linux.resources.unified, ...resources.unified } } : {}),
  };
  // The whole spec with the new limits goes through the validator before anything is written.
  const updated = validateSpec({ ...spec, linux: { ...spec.linux, resources: merged } });
  driverFor(record.cgroup).update(record.cgroup, resources);
  writeSpec(root, record.id, updated);
}
