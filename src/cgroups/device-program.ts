// cgroup v2 has no devices.allow: the device rules become an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE, attached to the container's cgroup, as runc and crun generate
// theirs. The kernel runs it on every open and mknod of a device node and allows the access when
// it returns 1. Pure: the instructions as bytes (loading them is the v2 driver's).
import type { DeviceRule } from "../spec/types.ts";
import { normalRule } from "./devices.ts";

/** struct bpf_cgroup_dev_ctx: access_type (type | access << 16), major, minor; all u32. */
const CTX_ACCESS_TYPE = 0;
const CTX_MAJOR = 4;
const CTX_MINOR = 8;
const DEV_BLOCK = 1;
const DEV_CHAR = 2;
const ACCESS_BITS: Record<string, number> = { m: 1, r: 2, w: 4 };

// Opcodes (linux/bpf.h): class | operation | source.
const LDX_MEM_W = 0x61;
const ALU32_AND_K = 0x54;
const ALU32_RSH_K = 0x74;
const MOV64_X = 0xbf;
const MOV64_K = 0xb7;
const JNE_K = 0x55;
const EXIT = 0x95;

// Registers: r1 is the context on entry (then scratch), r2 the device type, r3 the access asked,
// r4 the major, r5 the minor, r0 the answer.
type Instruction = [opcode: number, dst: number, src: number, offset: number, immediate: number];

/** The rules, last match deciding: checked from the last one back, the first match answers;
 *  no match at all is a refusal. */
export function deviceProgram(rules: DeviceRule[]): Uint8Array {
  const code: Instruction[] = [
    [LDX_MEM_W, 2, 1, CTX_ACCESS_TYPE, 0],
    [ALU32_AND_K, 2, 0, 0, 0xffff],
    [LDX_MEM_W, 3, 1, CTX_ACCESS_TYPE, 0],
    [ALU32_RSH_K, 3, 0, 0, 16],
    [LDX_MEM_W, 4, 1, CTX_MAJOR, 0],
    [LDX_MEM_W, 5, 1, CTX_MINOR, 0],
  ];
  // The verifier refuses unreachable code: a rule matching every access ends the program.
  let unconditional = false;
  for (const rule of [...rules].reverse()) {
    const block = ruleBlock(rule);
    code.push(...block);
    unconditional = block.length === 2;
    if (unconditional) break;
  }
  if (!unconditional) code.push([MOV64_K, 0, 0, 0, 0], [EXIT, 0, 0, 0, 0]);
  const bytes = new Uint8Array(code.length * 8);
  const view = new DataView(bytes.buffer);
  code.forEach(([opcode, dst, src, offset, immediate], i) => {
    view.setUint8(i * 8, opcode);
    view.setUint8(i * 8 + 1, (src << 4) | dst);
    view.setInt16(i * 8 + 2, offset, true);
    view.setInt32(i * 8 + 4, immediate, true);
  });
  return bytes;
}

/** One rule: each condition jumps past the block when it fails; all holding, the rule answers. */
function ruleBlock(rule: DeviceRule): Instruction[] {
  const { allow, type, major, minor, access } = normalRule(rule);
  const allowed = [...access].reduce((bits, letter) => bits | (ACCESS_BITS[letter] ?? 0), 0);
  const conditions: Instruction[][] = [];
  if (type !== "a") conditions.push([[JNE_K, 2, 0, 0, type === "b" ? DEV_BLOCK : DEV_CHAR]]);
  // The access asked must lie within the rule's: any bit outside it and the rule does not match.
  if (allowed !== 7) conditions.push([[MOV64_X, 1, 3, 0, 0], [ALU32_AND_K, 1, 0, 0, ~allowed & 7], [JNE_K, 1, 0, 0, 0]]);
  if (major !== "*") conditions.push([[JNE_K, 4, 0, 0, major]]);
  if (minor !== "*") conditions.push([[JNE_K, 5, 0, 0, minor]]);
  const answer: Instruction[] = [[MOV64_K, 0, 0, 0, allow ? 1 : 0], [EXIT, 0, 0, 0, 0]];
  const block = [...conditions.flat(), ...answer];
  // Each jump skips to the end of this block: its offset is counted from the next instruction.
  return block.map((instruction, i): Instruction => (instruction[0] === JNE_K ? [JNE_K, instruction[1], 0, block.length - i - 1, instruction[4]] : instruction));
}
