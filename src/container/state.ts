// `state ID` (runc's command line): the OCI state of one container, found by its exact id.
import { MinicError } from "../errors.ts";
import { OCI_VERSION } from "../spec/types.ts";
import { listRecords, readRecord, readSpec, stateRoot, type ContainerRecord } from "../state/store.ts";
import { observed } from "./observed.ts";
import { isFrozen } from "./pause.ts";

/** The runtime spec's state, with runc's extra fields (rootfs, created). */
export interface OciState {
  ociVersion: string;
  id: string;
  status: ContainerRecord["status"] | "paused";
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
}

/** A container by its exact id, as the engines name them; the record as it stands now. */
export function containerById(id: string): ContainerRecord {
  const entry = readRecord(stateRoot(), id);
  if (entry === null) throw new MinicError(`container ${id} does not exist`);
  if (entry.kind === "damaged") throw new MinicError(`container ${id} cannot be used: ${entry.reason}`);
  return observed(entry.record);
}

/** Every readable container's state, oldest first (runc's list). */
export function listStates(): OciState[] {
  return listRecords(stateRoot())
    .flatMap((entry) => (entry.kind === "ok" ? [entry.record.id] : []))
    .map((id) => ociState(id))
    .sort((a, b) => a.created.localeCompare(b.created));
}

export function ociState(id: string): OciState {
  const record = containerById(id);
  const spec = readSpec(stateRoot(), record.id) as { annotations?: Record<string, string> };
  return {
    ociVersion: OCI_VERSION,
    id: record.id,
    status: record.status === "running" && isFrozen(record.cgroup) ? "paused" : record.status,
    pid: record.status === "stopped" ? 0 : (record.process?.pid ?? 0),
    bundle: record.bundle ?? "",
    rootfs: record.rootfs,
    created: record.created,
    annotations: spec.annotations ?? {},
  };
}
