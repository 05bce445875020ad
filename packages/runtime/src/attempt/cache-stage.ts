import { RunnableError, type Parameters } from "@runnable-ts/sdk";
import { thrownMessage } from "../redact";
import { cacheSettingOf, entryHash, lookUp, record, type CacheSetting } from "../step-cache";
import { SKIP_TASK, type AttemptContext, type Stage } from "./context";

/**
 * For a task with `cache`: before running, looks the task up in the step cache (`step-cache.ts`)
 * by its definition, code identity and (with a `key` function) its key, and among the results
 * recorded there for the first one whose input parameters equal the current ones and that is not
 * older than `ttl_ms`. A hit stands in for the task: its outputs and metrics are the recorded
 * ones, its `catalog.put` files are copied from the source run into the working directory (the
 * catalog put stage then stores them in this run), and the attempt is recorded `cached: true`.
 * A miss runs the task and, when it succeeds, records the result. A cache that cannot be read or
 * written never fails the task; a `key` function that throws does (`E_CACHE_KEY_FAILED`).
 */
export const cacheStage: Stage = {
  before(ctx) {
    const setting = cacheSettingOf(ctx.node);
    if (setting) return lookedUp(ctx, setting);
  },
  after(ctx) {
    const entry = looked.get(ctx);
    if (entry && !ctx.suspension) return recorded(ctx, entry);
  },
};

/** What an attempt looked up in the cache, for recording its result under the same entry. */
interface Entry {
  hash: string;
  key: string | undefined;
}

const looked = new WeakMap<AttemptContext, Entry>();

async function lookedUp(ctx: AttemptContext, setting: CacheSetting): Promise<typeof SKIP_TASK | undefined> {
  const { services, req } = ctx;
  let key: string | undefined;
  if (setting.key) {
    try {
      key = String(setting.key(ctx.params));
    } catch (error) {
      throw new RunnableError("E_CACHE_KEY_FAILED", `the cache key function of step ${req.internalName} threw: ${thrownMessage(error)}; fix it or drop cache.key`, { step: req.internalName }, { cause: error });
    }
  }
  const hash = entryHash(ctx.node, await req.codeIdentities(), key);
  // With a key function, the key alone decides: no input needs to match.
  const hit = await lookUp(services.store, hash, key !== undefined ? {} : ctx.available, setting.ttl_ms).catch(() => undefined);
  // A hit whose catalog files are gone from the source run is a miss.
  const put = ctx.node.catalog?.put ?? [];
  const restored = hit && put.length > 0 ? await services.catalog.get({ runId: hit.from, patterns: [...put], cwd: services.cwd }).then(() => true, () => false) : true;
  if (hit && restored) {
    for (const name in hit.attempt.input_parameters) ctx.used.add(name);
    ctx.outputs = hit.attempt.output_parameters;
    ctx.addMetrics(hit.attempt.user_defined_metrics);
    ctx.cached = { from: hit.from };
    ctx.log.write(`cached: reused the result of run ${hit.from}`);
    return SKIP_TASK;
  }
  looked.set(ctx, { hash, key });
  return undefined;
}

async function recorded(ctx: AttemptContext, { hash, key }: Entry): Promise<void> {
  const { services } = ctx;
  const inputs: Parameters = {};
  if (key === undefined) for (const name of ctx.used) if (ctx.available[name]) inputs[name] = ctx.available[name]!;
  await record(services.store, hash, services.runId, { inputs, outputs: ctx.outputs, metrics: { ...ctx.metrics } }).catch((error: unknown) => ctx.log.write(`warning: the step cache could not record this result: ${thrownMessage(error)}`));
}
