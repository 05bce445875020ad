import { randomBytes } from "node:crypto";
import { RunnableError } from "@runnable-ts/sdk";

const ADJECTIVES = ["brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lively", "merry", "nimble", "proud", "quick", "quiet", "sharp", "sunny", "swift", "tidy", "vivid", "witty"];
const NAMES = ["ada", "babbage", "curie", "darwin", "euler", "faraday", "gauss", "hopper", "kepler", "lovelace", "maxwell", "noether", "pascal", "ramanujan", "shannon", "tesla", "turing", "volta", "wiles", "yalow"];

/** A readable, practically unique run id: `<adjective>-<scientist>-<HHMMSS>-<8 hex>`. */
export function generateRunId(now = new Date()): string {
  const bytes = randomBytes(6);
  const pick = (list: string[], byte: number): string => list[byte % list.length] ?? "x";
  const time = now.toISOString().slice(11, 19).replace(/:/g, "");
  return `${pick(ADJECTIVES, bytes[0] ?? 0)}-${pick(NAMES, bytes[1] ?? 0)}-${time}-${bytes.subarray(2).toString("hex")}`;
}

/** Longest run id accepted: well under file-name limits once a store adds its suffixes. */
export const MAX_RUN_ID_LENGTH = 128;

/** Letters, digits, `_`, `-` and `.`, starting with a letter or digit: safe as a file or folder name and as a key. */
const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Checks a run id given by a user (an argument, `RUNNABLE_RUN_ID`, `execute({ runId })`, a retry
 * id) before anything uses it as a file name or key: 1 to {@link MAX_RUN_ID_LENGTH} characters,
 * letters, digits, `_`, `-` and `.`, starting with a letter or digit (so `..`, `a/b` and `""` are
 * refused). Returns the id.
 * @throws RunnableError `E_RUN_ID_INVALID` saying what is wrong and where the id came from.
 */
export function validateRunId(runId: string, source = "the run id"): string {
  const problem =
    runId === ""
      ? "is empty"
      : runId.length > MAX_RUN_ID_LENGTH
        ? `is ${runId.length} characters long (at most ${MAX_RUN_ID_LENGTH})`
        : !RUN_ID_RE.test(runId)
          ? `has characters that are not allowed (${JSON.stringify(runId.length > 40 ? `${runId.slice(0, 40)}…` : runId)})`
          : undefined;
  if (problem === undefined) return runId;
  throw new RunnableError(
    "E_RUN_ID_INVALID",
    `${source} ${problem}. A run id is 1-${MAX_RUN_ID_LENGTH} letters, digits, "_", "-" or ".", starting with a letter or digit (e.g. my-run-2024.1)`,
    { runId: runId.slice(0, MAX_RUN_ID_LENGTH) },
  );
}

/**
 * The run id of a new run: the one given (`--run-id`, `execute({ runId })`), else
 * `RUNNABLE_RUN_ID` (an empty variable counts as unset), else a generated one; checked by
 * {@link validateRunId}.
 * @throws RunnableError `E_RUN_ID_INVALID`.
 */
export function resolveRunId(given: string | undefined, env: NodeJS.ProcessEnv): string {
  if (given !== undefined) return validateRunId(given);
  const fromEnv = env.RUNNABLE_RUN_ID;
  if (fromEnv) return validateRunId(fromEnv, "RUNNABLE_RUN_ID");
  return generateRunId();
}
