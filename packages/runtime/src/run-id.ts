import { randomBytes } from "node:crypto";

const ADJECTIVES = ["brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lively", "merry", "nimble", "proud", "quick", "quiet", "sharp", "sunny", "swift", "tidy", "vivid", "witty"];
const NAMES = ["ada", "babbage", "curie", "darwin", "euler", "faraday", "gauss", "hopper", "kepler", "lovelace", "maxwell", "noether", "pascal", "ramanujan", "shannon", "tesla", "turing", "volta", "wiles", "yalow"];

/** A readable, practically unique run id: `<adjective>-<scientist>-<HHMMSS>-<8 hex>`. */
export function generateRunId(now = new Date()): string {
  const bytes = randomBytes(6);
  const pick = (list: string[], byte: number): string => list[byte % list.length] ?? "x";
  const time = now.toISOString().slice(11, 19).replace(/:/g, "");
  return `${pick(ADJECTIVES, bytes[0] ?? 0)}-${pick(NAMES, bytes[1] ?? 0)}-${time}-${bytes.subarray(2).toString("hex")}`;
}
