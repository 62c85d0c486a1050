import { MinicError } from "../errors.ts";

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NAME_MAX = 128;

// Web Crypto's getRandomValues is a global: importing node:crypto would cost ~3 ms per start.
function randomBytes(count: number): Buffer {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(count)));
}

export function generateId(): string {
  return randomBytes(32).toString("hex");
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

const ADJECTIVES = [
  "brave", "calm", "clever", "eager", "fond", "gentle", "happy", "jolly", "keen", "kind",
  "lucid", "merry", "nimble", "proud", "quiet", "sharp", "steady", "swift", "tender", "witty",
];
const NOUNS = [
  "babbage", "curie", "dijkstra", "euler", "fermat", "gauss", "hopper", "kepler", "knuth", "lamport",
  "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson", "torvalds", "turing", "wirth", "zuse",
];

/** A Docker-style name (`adjective_scientist`) with a short random suffix so it rarely collides. */
export function generateName(): string {
  const bytes = randomBytes(4);
  const adjective = ADJECTIVES[(bytes[0] ?? 0) % ADJECTIVES.length];
  const noun = NOUNS[(bytes[1] ?? 0) % NOUNS.length];
  return `${adjective}_${noun}_${bytes.subarray(2).toString("hex")}`;
}

export function validateName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.length > NAME_MAX) {
    throw new MinicError(
      `invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most ${NAME_MAX} characters`,
    );
  }
}
