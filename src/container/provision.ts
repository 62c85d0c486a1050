// What `run` and `create` both make on the host before a container's process exists: missing -v
// sources, the container's directory and record, its name, its config.json and its cgroup. A
// start that fails takes back exactly what was made; a container whose workload ran is never
// taken back here (only `--rm` or `minic rm` delete it).
import { removeContainerFiles } from "./remove-files.ts";
import { log } from "../log.ts";
import { createCgroup, removeCgroup } from "../cgroups/cgroup.ts";
import type { ProcessIdentity } from "../state/store.ts";
import { claimName, createContainerDirs, stateRoot, writeEtcFiles, writeRecord, writeSpec, type ContainerRecord } from "../state/store.ts";
import { createBindSources, removeBindSources } from "./bind-sources.ts";
import { noteHostMounts, releaseHostMounts } from "./host-mounts.ts";
import { releaseNetwork, setUpNetwork } from "./network.ts";
import type { PreparedRun } from "./run.ts";
import { hostIdOf } from "../spec/id-maps.ts";
import { claimRange } from "../state/id-ranges.ts";
import { USERNS_AUTO_ANNOTATION } from "./userns-auto.ts";
import type { Spec } from "../spec/types.ts";

export interface Provisioned {
  root: string;
  record: ContainerRecord;
  /** Remove everything made for a container that never ran its workload. */
  undo(): void;
}

/** The host ids of the container's root when it has a user namespace of its own. */
function upperOwner(spec: Spec): { uid: number; gid: number } | null {
  const { uidMappings, gidMappings } = spec.linux;
  if (uidMappings === undefined || gidMappings === undefined) return null;
  const uid = hostIdOf(uidMappings, 0);
  const gid = hostIdOf(gidMappings, 0);
  return uid === null || gid === null ? null : { uid, gid };
}

export function provisionContainer(prepared: PreparedRun, settings: { owner: ProcessIdentity | null; autoRemove: boolean }): Provisioned {
  if (prepared.again !== null) return provisionAgain(prepared, prepared.again);
  const root = stateRoot();
  const { id, name, spec, cgroup } = prepared;
  const record: ContainerRecord = {
    schemaVersion: 2,
    id,
    name,
    command: spec.process.args,
    rootfs: spec.root.path,
    bundle: prepared.bundle,
    created: new Date().toISOString(),
    status: "created",
    process: null,
    owner: settings.owner,
    exitCode: null,
    started: null,
    finished: null,
    autoRemove: settings.autoRemove,
    cgroup,
    sessionKeyring: prepared.sessionKeyring,
    hostMounts: noteHostMounts(spec),
    restartCount: 0,
    manuallyStopped: false,
    restarting: false,
    oomKilled: false,
  };
  let createdSources: string[] = [];
  let nameClaimed = false;
  let cgroupMade = false;
  let networkMade = false;
  const undo = (): void => {
    if (networkMade) releaseNetwork(root, id);
    // Its mounts lived only in its own mount namespace (or, without one, below its root); its
    // cgroup holds no process, since the workload joins only just before exec.
    releaseHostMounts(record.hostMounts);
    if (cgroupMade && cgroup !== null) removeCgroup(cgroup);
    try {
      removeContainerFiles(root, id, nameClaimed ? name : null);
    } catch (error) {
      // The failure that brought us here is the one to report; this one is said, not lost.
      log.warn(`could not remove what was made for container ${id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    removeBindSources(createdSources);
  };
  try {
    createdSources = createBindSources(prepared.missingSources);
    createContainerDirs(root, record, upperOwner(spec));
    writeEtcFiles(root, id, prepared.etcFiles);
    claimName(root, name, id);
    nameClaimed = true;
    const autoRange = spec.annotations?.[USERNS_AUTO_ANNOTATION];
    if (autoRange !== undefined) claimRange(root, Number(autoRange), id);
    writeSpec(root, id, spec);
    if (cgroup !== null) {
      // The record names the cgroup before it exists: `rm` finds it if minic is killed from here on.
      createCgroup(cgroup, spec.linux.resources);
      cgroupMade = true;
    }
    networkMade = true;
    setUpNetwork(root, id, spec);
  } catch (error) {
    undo();
    throw error;
  }
  return { root, record, undo };
}

/**
 * A stopped container started again: its directory, layer, name and log stay; it gets a new
 * cgroup and a record that says it is being created. Undone, it is the stopped container it was:
 * nothing of it is deleted.
 */
function provisionAgain(prepared: PreparedRun, previous: ContainerRecord): Provisioned {
  const root = stateRoot();
  const { spec, cgroup } = prepared;
  const record: ContainerRecord = { ...previous, status: "created", process: null, owner: null, exitCode: null, finished: null, cgroup, manuallyStopped: false, restarting: false, oomKilled: false };
  let cgroupMade = false;
  let networkMade = false;
  const undo = (): void => {
    if (networkMade) releaseNetwork(root, previous.id);
    if (cgroupMade && cgroup !== null) removeCgroup(cgroup);
    writeRecord(root, previous);
  };
  try {
    writeRecord(root, record);
    writeSpec(root, record.id, spec);
    if (cgroup !== null) {
      createCgroup(cgroup, spec.linux.resources);
      cgroupMade = true;
    }
    networkMade = true;
    setUpNetwork(root, record.id, spec);
  } catch (error) {
    undo();
    throw error;
  }
  return { root, record, undo };
}
