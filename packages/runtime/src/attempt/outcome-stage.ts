import type { Co } from "../co";
import { preview } from "../redact";
import type { AttemptContext, Next, Stage } from "./context";
import { endSuspended } from "./suspension";

/**
 * Turns whatever the inner stages throw — any value, `undefined` included — into a FAIL
 * attempt with a message; SUCCESS when they complete. An attempt whose task called
 * `ctx.suspend()` ends SUSPENDED however the inner stages ended (the task may have caught the
 * rejection `suspend()` ends it with and returned): see `suspend-stage.ts`.
 */
export const guardStage: Stage = function* (ctx, next) {
  try {
    yield* next(ctx);
  } catch (thrown) {
    if (!ctx.suspension) {
      ctx.fail(thrown);
      return;
    }
  }
  if (ctx.suspension) endSuspended(ctx);
  else ctx.status = "SUCCESS";
};

/** After a successful attempt, merges its output parameters into the step's scope. */
export const publishStage: Stage = (ctx, next) => (ctx.node.returns.length === 0 ? next(ctx) : publish(ctx, next));

function* publish(ctx: AttemptContext, next: Next): Co<void> {
  yield* next(ctx);
  if (ctx.status !== "SUCCESS" || Object.keys(ctx.outputs).length === 0) return;
  try {
    const stored = ctx.req.setParameters(ctx.outputs);
    if (stored) yield stored;
  } catch (error) {
    ctx.outputs = {};
    ctx.fail(error, "storing the returns: ");
  }
}

/** After the attempt, emits `task_completed` (outputs previewed, unless no listener wants previews), nothing when no listener wants task events or `task_error`, masked. */
export const eventsStage: Stage = (ctx, next) => (!ctx.services.observed || ctx.services.detail?.tasks === false ? next(ctx) : taskEvents(ctx, next));

function* taskEvents(ctx: AttemptContext, next: Next): Co<void> {
  yield* next(ctx);
  const step = ctx.req.internalName;
  const detail = ctx.services.detail;
  // A suspension is no error: the traversal emits step_suspended.
  if (ctx.status === "SUSPENDED") return;
  if (ctx.status === "SUCCESS" && detail?.previews === false) void ctx.services.emit({ type: "task_completed", step, attempt: ctx.req.attemptNumber });
  else if (ctx.status === "SUCCESS") {
    const values: Record<string, unknown> = {};
    for (const name in ctx.outputs) values[name] = ctx.outputs[name]!.value;
    void ctx.services.emit({ type: "task_completed", step, attempt: ctx.req.attemptNumber, outputs: ctx.mask(preview(values)) });
  } else void ctx.services.emit({ type: "task_error", step, attempt: ctx.req.attemptNumber, error: ctx.message.slice(0, 256) });
}

/**
 * Outermost: once the attempt is over, stores what the task printed (and why it failed) as the
 * catalog file `<step>.attempt<n>.execution.log` — only when something was written: an empty log
 * per no-op step would cost a file each and say nothing. A log that cannot be stored does not
 * change the outcome.
 */
export const executionLogStage: Stage = function* (ctx, next) {
  try {
    yield* next(ctx);
  } finally {
    if (!ctx.log.wrote) ctx.log.discard();
    else {
      const { services } = ctx;
      yield ctx.log.store(services.catalog, services.runId, `${ctx.req.internalName}.attempt${ctx.req.attemptNumber}.execution.log`).catch(() => undefined);
    }
  }
};
