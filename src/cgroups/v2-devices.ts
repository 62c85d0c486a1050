// Loading a container's device program (device-program.ts) and attaching it to its cgroup v2
// directory. The attachment holds the program: it goes when the cgroup is removed.
import { closeSync, constants, openSync } from "node:fs";
import { ptr } from "bun:ffi";
import { bpf } from "../../native/bpf.ts";
import { strerror } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";
import type { DeviceRule } from "../spec/types.ts";
import { deviceProgram } from "./device-program.ts";

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
/** Other programs (an engine's, systemd's) may sit on the same cgroup; all must allow. */
const BPF_F_ALLOW_MULTI = 2;

export function attachDeviceProgram(cgroupDir: string, rules: DeviceRule[]): void {
  const program = deviceProgram(rules);
  const license = Buffer.from("Apache\0");
  // union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns, license, ..., expected_attach_type.
  const load = new Uint8Array(72);
  const loadView = new DataView(load.buffer);
  loadView.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true);
  loadView.setUint32(4, program.length / 8, true);
  loadView.setBigUint64(8, BigInt(ptr(program)), true);
  loadView.setBigUint64(16, BigInt(ptr(license)), true);
  loadView.setUint32(68, BPF_CGROUP_DEVICE, true);
  const programFd = bpf(BPF_PROG_LOAD, load);
  if (programFd < 0) throw new MinicError(`cannot load the device cgroup program: ${strerror(-programFd)}`);
  try {
    const cgroupFd = openSync(cgroupDir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      // For BPF_PROG_ATTACH: target_fd, attach_bpf_fd, attach_type, attach_flags.
      const attach = new Uint8Array(20);
      const attachView = new DataView(attach.buffer);
      attachView.setUint32(0, cgroupFd, true);
      attachView.setUint32(4, programFd, true);
      attachView.setUint32(8, BPF_CGROUP_DEVICE, true);
      attachView.setUint32(12, BPF_F_ALLOW_MULTI, true);
      const rc = bpf(BPF_PROG_ATTACH, attach);
      if (rc < 0) throw new MinicError(`cannot attach the device cgroup program to ${cgroupDir}: ${strerror(-rc)}`);
    } finally {
      closeSync(cgroupFd);
    }
  } finally {
    closeSync(programFd);
  }
}
