import { RunnableError } from "@runnable-ts/sdk";
import type { Stage } from "./context";

/**
 * What `ctx.suspend()` rejects with, to end the task. The attempt is SUSPENDED because the
 * suspension was recorded on its context, not because this error reached the guard: a task that
 * catches it and returns is suspended all the same.
 */
export class SuspendedSignal extends RunnableError {
  constructor(step: string) {
    super("E_SUSPENDED", `step ${step} suspended the run`, { step });
    this.name = "SuspendedSignal";
  }
}

/**
 * Inside the guard: once the inner stages are over (returned or thrown), an attempt whose task
 * called `ctx.suspend()` ends SUSPENDED with its payload — its returns are not stored.
 */
export const suspendStage: Stage = function* (ctx, next) {
  try {
    yield* next(ctx);
  } catch (error) {
    if (!ctx.suspension) throw error;
  }
  if (!ctx.suspension) return;
  ctx.status = "SUSPENDED";
  ctx.message = "suspended: waiting for runnable resume";
  ctx.returned = {};
  ctx.outputs = {};
};
