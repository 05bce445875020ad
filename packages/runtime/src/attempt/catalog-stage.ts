import type { AttemptContext, Stage } from "./context";

/** Copies the task's `catalog.get` files from the run's catalog into the working directory. */
export const catalogGetStage: Stage = {
  before(ctx) {
    const patterns = ctx.node.catalog?.get;
    if (patterns?.length) return catalogGet(ctx, patterns);
  },
};

async function catalogGet(ctx: AttemptContext, patterns: readonly string[]): Promise<void> {
  const { services } = ctx;
  const entries = await services.catalog.get({ runId: services.runId, patterns: [...patterns], cwd: services.cwd });
  ctx.getEntries = [...ctx.getEntries, ...entries];
}

/**
 * Once the attempt is over (whatever its outcome), copies its `catalog.put` files into the run's
 * catalog. After a failure, patterns matching nothing are no error; a put that fails fails a
 * successful attempt ("catalog put: …").
 */
export const catalogPutStage: Stage = {
  end(ctx) {
    if (ctx.node.catalog?.put.length) return catalogPut(ctx);
  },
};

async function catalogPut(ctx: AttemptContext): Promise<void> {
  const { services } = ctx;
  const spec = ctx.node.catalog!;
  try {
    const entries = await services.catalog.put({
      runId: services.runId,
      patterns: [...spec.put],
      cwd: services.cwd,
      storeCopy: spec.store_copy,
      allowMissing: ctx.status !== "SUCCESS",
    });
    ctx.putEntries = [...ctx.putEntries, ...entries];
  } catch (error) {
    if (ctx.status === "SUCCESS") ctx.fail(error, "catalog put: ");
  }
}
