import { then } from "../co";
import type { Stage } from "./context";

/** Copies the task's `catalog.get` files from the run's catalog into the working directory. */
export const catalogGetStage: Stage = (ctx, next) => {
  const { node, services } = ctx;
  const patterns = node.catalog?.get;
  if (!patterns?.length) return next(ctx);
  return services.catalog.get({ runId: services.runId, patterns: [...patterns], cwd: services.cwd }).then((entries) => {
    ctx.getEntries.push(...entries);
    return next(ctx);
  });
};

/**
 * After the task (whatever its outcome), copies its `catalog.put` files into the run's catalog.
 * After a failure, patterns matching nothing are no error; a put that fails fails a successful
 * attempt ("catalog put: …").
 */
export const catalogPutStage: Stage = (ctx, next) => {
  const spec = ctx.node.catalog;
  if (!spec?.put.length) return next(ctx);
  return then(next(ctx), async () => {
    const { services } = ctx;
    try {
      const entries = await services.catalog.put({
        runId: services.runId,
        patterns: [...spec.put],
        cwd: services.cwd,
        storeCopy: spec.store_copy,
        allowMissing: ctx.status !== "SUCCESS",
      });
      ctx.putEntries.push(...entries);
    } catch (error) {
      if (ctx.status === "SUCCESS") ctx.fail(error, "catalog put: ");
    }
  });
};
