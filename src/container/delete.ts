// `delete [--force] ID` (runc's command line): a stopped container goes; a created or running one
// only with --force (its init killed first), as the runtime spec says (runc deletes a created one
// anyway; the conformance suite counts that as a failure).
import { MinicError } from "../errors.ts";
import { removeContainers } from "./list.ts";
import { containerById } from "./state.ts";
import { hookState, runLaterHooks } from "./hooks.ts";
import type { Spec } from "../spec/types.ts";
import { readRecord, readSpec, stateRoot } from "../state/store.ts";

export async function deleteContainer(id: string, force: boolean): Promise<void> {
  // As runc: with --force, a container that is already gone is no error (engines clean up twice).
  if (force && readRecord(stateRoot(), id) === null) return;
  const record = containerById(id);
  if (record.status !== "stopped" && !force) {
    throw new MinicError(`cannot delete container ${id} that is not stopped: ${record.status}`, undefined, "use delete --force");
  }
  // The spec goes with the container: its poststop hooks are read first, run after.
  const spec = readSpec(stateRoot(), record.id) as Pick<Spec, "hooks" | "annotations">;
  await removeContainers([record.id], force);
  runLaterHooks("poststop", spec.hooks, hookState(record, "stopped", spec.annotations ?? {}));
}
