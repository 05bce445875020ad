import { promiseOf, Suspended } from "./co";
import type { Awaitable, IterVars, NodeDef, Parameters, RunServices, Status, StepContext, StepLog } from "@runnable-ts/sdk";

/** What a step context asks of the traversal that made it. */
export interface StepHost {
  readonly services: RunServices;
  /** The parameters visible in a scope. */
  effective(scope: string): Awaitable<Parameters>;
  /** Runs the attempts of a task step. */
  runTaskOf(step: StepContextImpl): Awaitable<Status>;
}

/**
 * The context a node type's phases get. A class (methods on the prototype) rather than an
 * object of closures: one is made per step, so per-step allocations matter.
 */
export class StepContextImpl implements StepContext {
  constructor(
    private readonly host: StepHost,
    readonly node: NodeDef,
    readonly internalName: string,
    readonly scope: string,
    readonly iterVars: IterVars,
    readonly stepLog: StepLog,
  ) {}

  get services(): RunServices {
    return this.host.services;
  }

  saveStepLog(): Promise<void> {
    return promiseOf(() => this.services.store.putStepLog(this.services.runId, this.stepLog));
  }

  getParameters(): Promise<Parameters> {
    return promiseOf(() => this.host.effective(this.scope));
  }

  setParameters(parameters: Parameters): Promise<void> {
    return promiseOf(() => this.services.store.setParameters(this.services.runId, parameters, this.scope));
  }

  /** What `runTask` last answered when its attempts were waiting (see {@link goOnUnclaimed}). */
  private waiting: Suspended<Status> | undefined;

  runTask(): Awaitable<Status> {
    const answer = this.host.runTaskOf(this);
    if (answer instanceof Suspended) this.waiting = answer as Suspended<Status>;
    return answer;
  }

  /**
   * Once the node type's `execute` has answered something else than what `runTask` gave it: a
   * `runTask` answer nobody has awaited goes on by itself (its attempts run to their end, as a
   * promise would), so a node type that drops it does not leave its attempts stalled.
   */
  goOnUnclaimed(): void {
    if (this.waiting && !this.waiting.claimed) void this.waiting.then(undefined, () => undefined);
  }
}
