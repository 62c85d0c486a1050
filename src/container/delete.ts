// `delete [--force] ID` (runc's command line): a stopped container goes; a created or running one
// only with --force (its init killed first), as the runtime spec says (runc deletes a created one
// anyway; the conformance suite counts that as a failure).
import { MinicError } from "../errors.ts";
import { removeContainers } from "./list.ts";
import { requireRoot } from "./privileges.ts";
import { containerById } from "./state.ts";

export async function deleteContainer(id: string, force: boolean): Promise<void> {
  requireRoot();
  const record = containerById(id);
  if (record.status !== "stopped" && !force) {
    throw new MinicError(`cannot delete container ${id} that is not stopped: ${record.status}`, undefined, "use delete --force");
  }
  await removeContainers([record.id], force);
}
