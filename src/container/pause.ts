// runc's `pause` and `resume`: every process of the container frozen or thawed through its cgroup
// (v1's freezer, v2's cgroup.freeze), and whether it is frozen now.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dirWith } from "../cgroups/files.ts";
import type { ContainerCgroup } from "../cgroups/types.ts";
import { MinicError } from "../errors.ts";
import { containerById } from "./state.ts";
import { findContainer, stateRoot } from "../state/store.ts";

const SETTLE_MS = 2000;

/** The file that freezes the cgroup, and the values for frozen and thawed. */
function freezer(cgroup: ContainerCgroup): { file: string; frozen: string; thawed: string; read: () => boolean } | null {
  if (cgroup.version === 1) {
    const dir = dirWith(cgroup, "freezer");
    if (dir === undefined) return null;
    const file = join(dir.path, "freezer.state");
    return { file, frozen: "FROZEN", thawed: "THAWED", read: () => readFileSync(file, "utf8").trim() === "FROZEN" };
  }
  const dir = cgroup.dirs[0];
  if (dir === undefined) return null;
  return {
    file: join(dir.path, "cgroup.freeze"),
    frozen: "1",
    thawed: "0",
    read: () => /^frozen 1$/m.test(readFileSync(join(dir.path, "cgroup.events"), "utf8")),
  };
}

export function isFrozen(cgroup: ContainerCgroup | null): boolean {
  try {
    return cgroup !== null && (freezer(cgroup)?.read() ?? false);
  } catch {
    return false;
  }
}

/** Thaw a frozen cgroup so that its processes can take a SIGKILL (removal of a paused container). */
export function thaw(cgroup: ContainerCgroup | null): void {
  const control = cgroup === null ? null : freezer(cgroup);
  if (control === null) return;
  try {
    if (control.read()) writeFileSync(control.file, control.thawed);
  } catch {
    // gone already
  }
}

/** `name`: how messages call it (the name or id it was asked by). */
export async function setPaused(id: string, paused: boolean, name = id): Promise<void> {
  const record = containerById(id);
  if (record.status !== "running") throw new MinicError(`container ${name} is not running`);
  const control = record.cgroup === null ? null : freezer(record.cgroup);
  if (control === null) throw new MinicError(`cannot ${paused ? "pause" : "resume"} container ${name}: this host has no freezer for its cgroup`);
  if (paused === control.read()) throw new MinicError(`container ${name} is ${paused ? "already paused" : "not paused"}`);
  writeFileSync(control.file, paused ? control.frozen : control.thawed);
  // v1 reports FREEZING until every task is stopped.
  const deadline = Date.now() + SETTLE_MS;
  while (control.read() !== paused && Date.now() < deadline) await Bun.sleep(5);
  if (control.read() !== paused) throw new MinicError(`container ${name} did not ${paused ? "freeze" : "thaw"} within ${SETTLE_MS / 1000} s`);
}

/** Docker's `pause`/`unpause`: containers by name, id or unique id prefix; their names, as Docker prints them. */
export async function pauseContainers(refs: string[], paused: boolean): Promise<string[]> {
  const root = stateRoot();
  const records = refs.map((ref) => findContainer(root, ref));
  for (const [index, record] of records.entries()) await setPaused(record.id, paused, refs[index]);
  return refs;
}
