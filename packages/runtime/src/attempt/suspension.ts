import { RunnableError } from "@runnable-ts/sdk";

/**
 * What `ctx.suspend()` rejects with, to end the task. The attempt is SUSPENDED because the
 * suspension was recorded on its context, not because this error reached the attempt's end: a
 * task that catches it and returns is suspended all the same (see `runStages`).
 */
export class SuspendedSignal extends RunnableError {
  constructor(step: string) {
    super("E_SUSPENDED", `step ${step} suspended the run`, { step });
    this.name = "SuspendedSignal";
  }
}
