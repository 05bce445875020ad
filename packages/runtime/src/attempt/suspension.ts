import { RunnableError } from "@runnable-ts/sdk";
import type { AttemptContext } from "./context";

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
 * Ends an attempt whose task called `ctx.suspend()` (the guard calls it once the inner stages are
 * over, returned or thrown): SUSPENDED with its payload, its returns not stored.
 */
export function endSuspended(ctx: AttemptContext): void {
  ctx.status = "SUSPENDED";
  ctx.message = "suspended: waiting for runnable resume";
  ctx.returned = {};
  ctx.outputs = {};
}
