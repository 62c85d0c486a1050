import type { MountFlag } from "../plan/linux.ts";

/** OCI mount options that are mount(2) flags; anything else is passed on as filesystem data. */
const FLAG_OPTIONS: Record<string, { set?: MountFlag; clear?: MountFlag }> = {
  ro: { set: "MS_RDONLY" },
  rw: { clear: "MS_RDONLY" },
  nosuid: { set: "MS_NOSUID" },
  suid: { clear: "MS_NOSUID" },
  nodev: { set: "MS_NODEV" },
  dev: { clear: "MS_NODEV" },
  noexec: { set: "MS_NOEXEC" },
  exec: { clear: "MS_NOEXEC" },
  sync: { set: "MS_SYNCHRONOUS" },
  async: { clear: "MS_SYNCHRONOUS" },
  dirsync: { set: "MS_DIRSYNC" },
  noatime: { set: "MS_NOATIME" },
  atime: { clear: "MS_NOATIME" },
  nodiratime: { set: "MS_NODIRATIME" },
  diratime: { clear: "MS_NODIRATIME" },
  relatime: { set: "MS_RELATIME" },
  norelatime: { clear: "MS_RELATIME" },
  strictatime: { set: "MS_STRICTATIME" },
  nostrictatime: { clear: "MS_STRICTATIME" },
  nosymfollow: { set: "MS_NOSYMFOLLOW" },
  symfollow: { clear: "MS_NOSYMFOLLOW" },
  mand: { set: "MS_MANDLOCK" },
  nomand: { clear: "MS_MANDLOCK" },
  silent: { set: "MS_SILENT" },
  loud: { clear: "MS_SILENT" },
  bind: { set: "MS_BIND" },
  rbind: { set: "MS_BIND" },
};

/** Propagation options: a separate mount(2) call after the mount itself, as runc makes it. */
const PROPAGATION_OPTIONS: Record<string, MountFlag[]> = {
  private: ["MS_PRIVATE"],
  rprivate: ["MS_REC", "MS_PRIVATE"],
  slave: ["MS_SLAVE"],
  rslave: ["MS_REC", "MS_SLAVE"],
  shared: ["MS_SHARED"],
  rshared: ["MS_REC", "MS_SHARED"],
  unbindable: ["MS_UNBINDABLE"],
  runbindable: ["MS_REC", "MS_UNBINDABLE"],
};

/** Every option name minic reads as a flag or a propagation (runc's `features` lists them). */
export const MOUNT_OPTION_NAMES: string[] = [...Object.keys(FLAG_OPTIONS), ...Object.keys(PROPAGATION_OPTIONS)];

export interface ParsedMountOptions {
  flags: MountFlag[];
  data: string | null;
  recursive: boolean;
  /** Empty, or the flags of the propagation call (["MS_REC", "MS_PRIVATE"] for rprivate). */
  propagation: MountFlag[];
}

/** Split OCI mount options into mount(2) flags and the data string, as runc does. */
export function parseMountOptions(options: string[]): ParsedMountOptions {
  const flags = new Set<MountFlag>();
  const data: string[] = [];
  let recursive = false;
  let propagation: MountFlag[] = [];
  for (const option of options) {
    const change = PROPAGATION_OPTIONS[option];
    if (change !== undefined) {
      propagation = change;
      continue;
    }
    const known = FLAG_OPTIONS[option];
    if (known === undefined) {
      data.push(option);
      continue;
    }
    if (known.set) flags.add(known.set);
    if (known.clear) flags.delete(known.clear);
    if (option === "rbind") recursive = true;
  }
  if (recursive) flags.add("MS_REC");
  return { flags: [...flags], data: data.length > 0 ? data.join(",") : null, recursive, propagation };
}

/**
 * Why `options` cannot be honoured, or null. Filesystem data is the filesystem's to judge (a
 * wrong option fails the mount), but a bind takes no data, so there an unknown option would be
 * dropped without a word: refused instead, and so are idmapped mounts, which minic does not make.
 */
export function unsupportedMountOption(options: string[]): string | null {
  const idmap = options.find((option) => option === "idmap" || option === "ridmap");
  if (idmap !== undefined) return `"${idmap}" (an idmapped mount) is not supported by minic`;
  if (!options.includes("bind") && !options.includes("rbind")) return null;
  const other = options.find((option) => !MOUNT_OPTION_NAMES.includes(option));
  return other === undefined ? null : `"${other}" is not an option minic knows for a bind mount`;
}
