// A container's files go: its directory (writable layer and all) and its bundle. A rootless
// container's layer may hold what the user cannot remove: overlayfs's work directory (mode 000)
// and whatever the container's other ids own. Those go through `rm -rf` run as the container's
// root, in a user namespace of the same maps, as `podman unshare` would.
import { existsSync } from "node:fs";
import { MinicError } from "../errors.ts";
import { buildUserNamespacePlan } from "../plan/plan.ts";
import { exitCodeOf, startChild } from "../process/spawn.ts";
import { containerDir, detachedBundleDir, removeContainer } from "../state/store.ts";
import { rootlessUser } from "./rootless.ts";

export function removeContainerFiles(root: string, id: string, name: string | null): void {
  const rootless = rootlessUser();
  try {
    removeContainer(root, id, name);
    return;
  } catch (error) {
    if (rootless === null) throw error;
  }
  const dirs = [containerDir(root, id), detachedBundleDir(root, id)].filter((dir) => existsSync(dir));
  const child = startChild(buildUserNamespacePlan(rootless, ["rm", "-rf", "--", ...dirs]), root, { watch: false, shareMemory: false, dieWithParent: true });
  child.release();
  const status = child.executor.reap(child.pid);
  if (status < 0 || exitCodeOf(status) !== 0) throw new MinicError(`cannot remove the files of container ${id.slice(0, 12)} as its root (rm exited with ${status < 0 ? status : exitCodeOf(status)})`);
  removeContainer(root, id, name);
}
