// How far the export has come: a spinner on a terminal, a line every 64 MiB otherwise.
import { log } from "../log.ts";
import { humanSize } from "../units.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const LINE_EVERY = 64 * 1024 * 1024;
const REDRAW_MS = 100;

export interface ExportProgress {
  /** Pass the export through this to count it. */
  counter: TransformStream<Uint8Array, Uint8Array>;
  bytes(): number;
  /** Clear the spinner and say the total. */
  finish(): void;
}

/** `quiet`: count only. */
export function exportProgress(out: { isTTY?: boolean; write(text: string): boolean }, quiet: boolean): ExportProgress {
  let bytes = 0;
  let nextLine = LINE_EVERY;
  let frame = 0;
  const spinner = out.isTTY && !quiet
    ? setInterval(() => {
        out.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} exporting: ${humanSize(bytes)}`);
      }, REDRAW_MS)
    : null;
  return {
    counter: new TransformStream({
      transform(chunk, controller) {
        bytes += chunk.length;
        if (spinner === null && !quiet && bytes >= nextLine) {
          log.info(`exported ${humanSize(bytes)}`);
          nextLine += LINE_EVERY;
        }
        controller.enqueue(chunk);
      },
    }),
    bytes: () => bytes,
    finish() {
      if (spinner !== null) {
        clearInterval(spinner);
        out.write("\r\u001b[2K");
      }
      if (!quiet) log.info(`exported ${humanSize(bytes)}`);
    },
  };
}
