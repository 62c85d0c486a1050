// The container description, shaped like an OCI runtime-spec config.json so that a bundle's
// config.json and `minic run` flags lead to the same plan.
import type { Capability } from "../../native/executor.ts";

export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface SpecDevice {
  path: string;
  type: "c";
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** OCI linux.resources, the parts minic sets. Sizes in bytes; swap is memory and swap together. */
export interface Resources {
  memory?: { limit: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

export type NamespaceType = "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup";

export interface Spec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: {
      bounding: Capability[];
      effective: Capability[];
      permitted: Capability[];
      ambient: Capability[];
    };
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: SpecMount[];
  linux: {
    namespaces: { type: NamespaceType }[];
    devices: SpecDevice[];
    maskedPaths: string[];
    readonlyPaths: string[];
    rootfsPropagation: "rprivate";
    resources: Resources;
    /** Relative to each cgroup hierarchy's root: `minic/<id>`. */
    cgroupsPath: string;
  };
  annotations: Record<string, string>;
}

export const OCI_VERSION = "1.2.0";
