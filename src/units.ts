// Numbers as people read them.

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Docker's sizes: four significant digits and a binary unit, `1.234MiB`, `64MiB`, `0B`. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(4))}${BINARY_UNITS[unit]}`;
}
