import { geteuid } from "../../native/libc.ts";
import { MinicError } from "../errors.ts";

export function requireRoot(): void {
  if (geteuid() !== 0) {
    throw new MinicError("minic must be run as root", undefined, "run it with sudo; rootless containers are not supported yet");
  }
}
