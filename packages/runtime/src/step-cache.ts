import { createHash } from "node:crypto";
import { isoNow, newAttempt, newStepLog, type CodeIdentity, type NodeDef, type Parameters, type RunLogStore, type StepAttempt } from "@runnable-ts/sdk";

/**
 * The step cache lives in the configured run-log store as one pseudo-run: each cache entry is a
 * step log of it (named by the hash of the task's definition, its code identity and, with a
 * `key` function, that key), each recorded result a SUCCESS attempt of that step — with the
 * input parameters the task read, its outputs and the run it came from (`cached_from`). Catalog
 * files stay in the source run's catalog and are copied from there on a hit. So the cache works on
 * every store (file system, chunked, S3) without a new plugin kind. `runnable cache clear` bumps
 * the pseudo-run's `epoch` parameter: entries of older epochs are never read again.
 */
export const CACHE_RUN_ID = "runnable-step-cache";

/** Results kept per entry (the oldest go first). */
const MAX_VARIANTS = 32;

/** A task's cache setting as the node holds it. */
export interface CacheSetting {
  key?: (params: Record<string, unknown>) => string;
  ttl_ms?: number;
}

/** The node's cache setting, or undefined when the task is not cached. */
export function cacheSettingOf(node: NodeDef): CacheSetting | undefined {
  const cache = node.cache;
  if (cache === true) return {};
  if (typeof cache === "object" && cache !== null) return cache as CacheSetting;
  return undefined;
}

/** The epoch entries are read and written under (0 until the first clear). */
async function epochOf(store: RunLogStore): Promise<number> {
  const value = (await store.getParameters(CACHE_RUN_ID)).epoch?.value;
  return typeof value === "number" ? value : 0;
}

/** The entry name of a task: definition (without name, next, on_failure), code identity, custom key. */
export function entryHash(node: NodeDef, identities: readonly CodeIdentity[], key: string | undefined): string {
  const { name: _name, next: _next, on_failure: _onFailure, cache: _cache, ...definition } = node;
  const text = JSON.stringify(definition, (_k, v: unknown) => (typeof v === "function" ? `fn:${v.toString()}` : v instanceof Object && "_def" in v ? "[schema]" : v));
  return createHash("sha256")
    .update(text)
    .update("\0")
    .update(identities.map((i) => `${i.code_identifier_type}:${i.code_identifier}`).join(","))
    .update("\0")
    .update(key ?? "")
    .digest("hex")
    .slice(0, 40);
}

/** One recorded result that can stand in for running the task. */
export interface CacheHit {
  attempt: StepAttempt;
  from: string;
}

/**
 * The newest result of the entry that is younger than `ttlMs` and whose recorded inputs equal the
 * current ones (`available`), or undefined. A store without the cache run is a miss.
 */
export async function lookUp(store: RunLogStore, hash: string, available: Parameters, ttlMs: number | undefined, now = Date.now()): Promise<CacheHit | undefined> {
  if (!(await store.exists(CACHE_RUN_ID))) return undefined;
  const entry = await store.getStepLog(CACHE_RUN_ID, `e${await epochOf(store)}-${hash}`);
  if (!entry) return undefined;
  for (let i = entry.attempts.length - 1; i >= 0; i--) {
    const attempt = entry.attempts[i]!;
    if (ttlMs !== undefined && now - Date.parse(attempt.start_time) > ttlMs) continue;
    if (!sameInputs(attempt.input_parameters, available)) continue;
    return { attempt, from: attempt.cached_from ?? "" };
  }
  return undefined;
}

function sameInputs(recorded: Parameters, available: Parameters): boolean {
  for (const name in recorded) {
    const now = available[name];
    if (!now || now.kind !== recorded[name]!.kind || JSON.stringify(now.value) !== JSON.stringify(recorded[name]!.value)) return false;
  }
  return true;
}

/** Records a result of run `runId` under the entry (creating the cache run on first use). */
export async function record(store: RunLogStore, hash: string, runId: string, result: { inputs: Parameters; outputs: Parameters; metrics: Record<string, unknown> }): Promise<void> {
  if (!(await store.exists(CACHE_RUN_ID)))
    await store
      .createRunLog({ run_id: CACHE_RUN_ID, dag_hash: "", tag: "step cache", status: "SUCCESS", job: null, parameters: {}, run_config: {} })
      .catch(async (error: unknown) => {
        // Another step created it meanwhile.
        if (!(await store.exists(CACHE_RUN_ID))) throw error;
      });
  const name = `e${await epochOf(store)}-${hash}`;
  const entry = (await store.getStepLog(CACHE_RUN_ID, name)) ?? newStepLog(name, name, "cache");
  entry.status = "SUCCESS";
  entry.attempts.push(
    newAttempt({
      attempt_number: entry.attempts.length + 1,
      status: "SUCCESS",
      start_time: isoNow(),
      input_parameters: result.inputs,
      output_parameters: result.outputs,
      user_defined_metrics: result.metrics,
      cached_from: runId,
    }),
  );
  if (entry.attempts.length > MAX_VARIANTS) entry.attempts = entry.attempts.slice(-MAX_VARIANTS);
  await store.putStepLog(CACHE_RUN_ID, entry);
}

/** Empties the cache (entries of earlier epochs are never read again); resolves to the new epoch. */
export async function clearCache(store: RunLogStore): Promise<number> {
  if (!(await store.exists(CACHE_RUN_ID))) return 0;
  const epoch = (await epochOf(store)) + 1;
  await store.setParameters(CACHE_RUN_ID, { epoch: { kind: "json", value: epoch } });
  return epoch;
}
