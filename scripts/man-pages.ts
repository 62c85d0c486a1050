// `make man`: write minic's manual pages (src/cli/man.ts) into the directory given.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { manPages } from "../src/cli/man.ts";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: bun scripts/man-pages.ts DIR");
mkdirSync(dir, { recursive: true });
const pages = await manPages(new Date().toISOString().slice(0, 10));
for (const [name, text] of Object.entries(pages)) writeFileSync(join(dir, name), text);
console.log(`${Object.keys(pages).length} manual pages in ${dir}`);
