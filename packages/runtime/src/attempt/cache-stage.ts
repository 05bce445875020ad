import { RunnableError, type CodeIdentity, type Parameters } from "@runnable-ts/sdk";
import type { Co } from "../co";
import { thrownMessage } from "../redact";
import { cacheSettingOf, entryHash, lookUp, record, type CacheSetting } from "../step-cache";
import type { AttemptContext, Next, Stage } from "./context";

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
export const cacheStage: Stage = (ctx, next) => {
  const setting = cacheSettingOf(ctx.node);
  return setting ? cachedAttempt(ctx, next, setting) : next(ctx);
};

function* cachedAttempt(ctx: AttemptContext, next: Next, setting: CacheSetting): Co<void> {
  const { services, req } = ctx;
  let key: string | undefined;
  if (setting.key) {
    try {
      key = String(setting.key(ctx.params));
    } catch (error) {
      throw new RunnableError("E_CACHE_KEY_FAILED", `the cache key function of step ${req.internalName} threw: ${thrownMessage(error)}; fix it or drop cache.key`, { step: req.internalName }, { cause: error });
    }
  }
  const hash = entryHash(ctx.node, (yield req.codeIdentities()) as CodeIdentity[], key);
  // With a key function, the key alone decides: no input needs to match.
  const hit = (yield lookUp(services.store, hash, key !== undefined ? {} : ctx.available, setting.ttl_ms).catch(() => undefined)) as Awaited<ReturnType<typeof lookUp>> | undefined;
  // A hit whose catalog files are gone from the source run is a miss.
  const put = ctx.node.catalog?.put ?? [];
  const restored = hit && put.length > 0 ? ((yield services.catalog.get({ runId: hit.from, patterns: [...put], cwd: services.cwd }).then(() => true, () => false)) as boolean) : true;
  if (hit && restored) {
    for (const name in hit.attempt.input_parameters) ctx.used.add(name);
    ctx.outputs = hit.attempt.output_parameters;
    ctx.addMetrics(hit.attempt.user_defined_metrics);
    ctx.cached = { from: hit.from };
    ctx.log.write(`cached: reused the result of run ${hit.from}`);
    return;
  }
  yield* next(ctx);
  if (ctx.suspension) return;
  const inputs: Parameters = {};
  if (key === undefined) for (const name of ctx.used) if (ctx.available[name]) inputs[name] = ctx.available[name]!;
  yield record(services.store, hash, services.runId, { inputs, outputs: ctx.outputs, metrics: { ...ctx.metrics } }).catch((error: unknown) => ctx.log.write(`warning: the step cache could not record this result: ${thrownMessage(error)}`));
}
