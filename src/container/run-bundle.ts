// runc's `run`: create and start in one. Detached it returns once the process runs; in the
// foreground it waits as the container's parent, forwards signals, reaps it, deletes the
// container and exits with its status.
import { executorIn } from "../process/executor.ts";
import { isAlive } from "../process/identity.ts";
import { forwardSignals } from "../process/signals.ts";
import { exitCodeOf } from "../process/spawn.ts";
import { stateRoot } from "../state/store.ts";
import { prepareBundle, type BundleOptions } from "./bundle.ts";
import { createPrepared, type CreateSettings } from "./create.ts";
import { deleteContainer } from "./delete.ts";
import { startContainers } from "./start.ts";
import { containerById } from "./state.ts";

export async function runBundle(bundle: string, id: string, settings: CreateSettings & { detach: boolean }, options: BundleOptions): Promise<number> {
  await createPrepared(prepareBundle(bundle, id, options), settings);
  const init = containerById(id).process;
  const signals = settings.detach ? null : forwardSignals(() => init?.pid ?? null, { terminal: false });
  try {
    await startContainers([id]);
    if (settings.detach || init === null) return 0;
    // The init is this process's child: it becomes a zombie for us to reap.
    while (isAlive(init)) await Bun.sleep(10);
    const status = executorIn(stateRoot()).reap(init.pid);
    await deleteContainer(id, true);
    return status < 0 ? 1 : exitCodeOf(status);
  } catch (error) {
    if (!settings.detach) await deleteContainer(id, true).catch(() => {});
    throw error;
  } finally {
    signals?.stop();
  }
}
