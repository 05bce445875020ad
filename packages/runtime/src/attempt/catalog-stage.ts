import type { DataCatalogEntry } from "@runnable-ts/sdk";
import type { Co } from "../co";
import type { AttemptContext, Next, Stage } from "./context";

/** Copies the task's `catalog.get` files from the run's catalog into the working directory. */
export const catalogGetStage: Stage = (ctx, next) => (ctx.node.catalog?.get?.length ? catalogGet(ctx, next, ctx.node.catalog.get) : next(ctx));

function* catalogGet(ctx: AttemptContext, next: Next, patterns: readonly string[]): Co<void> {
  const { services } = ctx;
  const entries = (yield services.catalog.get({ runId: services.runId, patterns: [...patterns], cwd: services.cwd })) as DataCatalogEntry[];
  ctx.getEntries = [...ctx.getEntries, ...entries];
  yield* next(ctx);
}

/**
 * After the task (whatever its outcome), copies its `catalog.put` files into the run's catalog.
 * After a failure, patterns matching nothing are no error; a put that fails fails a successful
 * attempt ("catalog put: …").
 */
export const catalogPutStage: Stage = (ctx, next) => (ctx.node.catalog?.put.length ? catalogPut(ctx, next) : next(ctx));

function* catalogPut(ctx: AttemptContext, next: Next): Co<void> {
  yield* next(ctx);
  const { services } = ctx;
  const spec = ctx.node.catalog!;
  try {
    const entries = (yield services.catalog.put({
      runId: services.runId,
      patterns: [...spec.put],
      cwd: services.cwd,
      storeCopy: spec.store_copy,
      allowMissing: ctx.status !== "SUCCESS",
    })) as DataCatalogEntry[];
    ctx.putEntries = [...ctx.putEntries, ...entries];
  } catch (error) {
    if (ctx.status === "SUCCESS") ctx.fail(error, "catalog put: ");
  }
}
