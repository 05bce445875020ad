import { then } from "../co";
import { preview } from "../redact";
import type { Stage } from "./context";

/**
 * Turns whatever the inner stages throw — any value, `undefined` included — into a FAIL
 * attempt with a message; SUCCESS when they complete.
 */
export const guardStage: Stage = (ctx, next) => {
  let inner;
  try {
    inner = next(ctx);
  } catch (thrown) {
    return ctx.fail(thrown);
  }
  return then(
    inner,
    () => {
      if (ctx.status !== "SUSPENDED") ctx.status = "SUCCESS";
    },
    (thrown: unknown) => ctx.fail(thrown),
  );
};

/** After a successful attempt, merges its output parameters into the step's scope. */
export const publishStage: Stage = (ctx, next) => {
  if (ctx.node.returns.length === 0) return next(ctx);
  return then(next(ctx), () => {
    if (ctx.status !== "SUCCESS" || Object.keys(ctx.outputs).length === 0) return;
    const failed = (error: unknown): void => {
      ctx.outputs = {};
      ctx.fail(error, "storing the returns: ");
    };
    try {
      return then(ctx.req.setParameters(ctx.outputs), () => undefined, failed);
    } catch (error) {
      failed(error);
    }
  });
};


/** After the attempt, emits `task_completed` (outputs previewed, unless no listener wants previews), nothing when no listener wants task events or `task_error`, masked. */
export const eventsStage: Stage = (ctx, next) => {
  const detail = ctx.services.detail;
  if (!ctx.services.observed || detail?.tasks === false) return next(ctx);
  return then(next(ctx), () => {
    const step = ctx.req.internalName;
    // A suspension is no error: the traversal emits step_suspended.
    if (ctx.status === "SUSPENDED") return;
    if (ctx.status === "SUCCESS" && detail?.previews === false) void ctx.services.emit({ type: "task_completed", step, attempt: ctx.req.attemptNumber });
    else if (ctx.status === "SUCCESS") {
      const values: Record<string, unknown> = {};
      for (const name in ctx.outputs) values[name] = ctx.outputs[name]!.value;
      void ctx.services.emit({ type: "task_completed", step, attempt: ctx.req.attemptNumber, outputs: ctx.mask(preview(values)) });
    } else void ctx.services.emit({ type: "task_error", step, attempt: ctx.req.attemptNumber, error: ctx.message.slice(0, 256) });
  });
};

/**
 * Outermost: once the attempt is over, stores what the task printed (and why it failed) as the
 * catalog file `<step>.attempt<n>.execution.log` — only when something was written: an empty log
 * per no-op step would cost a file each and say nothing. A log that cannot be stored does not
 * change the outcome.
 */
export const executionLogStage: Stage = (ctx, next) => {
  const finish = (): Promise<void> | void => {
    const { services } = ctx;
    if (!ctx.log.wrote) return ctx.log.discard();
    return ctx.log.store(services.catalog, services.runId, `${ctx.req.internalName}.attempt${ctx.req.attemptNumber}.execution.log`).catch(() => undefined);
  };
  return then(next(ctx), finish, async (error: unknown) => {
    await finish();
    throw error;
  });
};
