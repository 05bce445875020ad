import { isPromiseLike } from "@runnable-ts/sdk";
import { preview } from "../redact";
import type { AttemptContext, Stage } from "./context";

/** Once a successful attempt is over, merges its output parameters into the step's scope. */
export const publishStage: Stage = {
  end(ctx) {
    if (ctx.status !== "SUCCESS" || ctx.node.returns.length === 0 || Object.keys(ctx.outputs).length === 0) return;
    try {
      const stored = ctx.req.setParameters(ctx.outputs);
      if (isPromiseLike(stored)) return Promise.resolve(stored).catch((error: unknown) => notStored(ctx, error));
    } catch (error) {
      notStored(ctx, error);
    }
  },
};

function notStored(ctx: AttemptContext, error: unknown): void {
  ctx.outputs = {};
  ctx.fail(error, "storing the returns: ");
}

/** Once the attempt is over, emits `task_completed` (outputs previewed, unless no listener wants previews) or `task_error`, masked; nothing when no listener wants task events. */
export const eventsStage: Stage = {
  end(ctx) {
    const { services } = ctx;
    const detail = services.detail;
    // A suspension is no error: the traversal emits step_suspended.
    if (!services.observed || detail?.tasks === false || ctx.status === "SUSPENDED") return;
    const step = ctx.req.internalName;
    if (ctx.status === "SUCCESS" && detail?.previews === false) void services.emit({ type: "task_completed", step, attempt: ctx.req.attemptNumber });
    else if (ctx.status === "SUCCESS") {
      const values: Record<string, unknown> = {};
      for (const name in ctx.outputs) values[name] = ctx.outputs[name]!.value;
      void services.emit({ type: "task_completed", step, attempt: ctx.req.attemptNumber, outputs: ctx.mask(preview(values)) });
    } else void services.emit({ type: "task_error", step, attempt: ctx.req.attemptNumber, error: ctx.message.slice(0, 256) });
  },
};

/**
 * Last: once the attempt is over, stores what the task printed (and why it failed) as the
 * catalog file `<step>.attempt<n>.execution.log` — only when something was written: an empty log
 * per no-op step would cost a file each and say nothing. A log that cannot be stored does not
 * change the outcome.
 */
export const executionLogStage: Stage = {
  end(ctx) {
    if (!ctx.log.wrote) return ctx.log.discard();
    const { services } = ctx;
    return ctx.log.store(services.catalog, services.runId, `${ctx.req.internalName}.attempt${ctx.req.attemptNumber}.execution.log`).catch(() => undefined);
  },
};
