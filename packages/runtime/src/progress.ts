import type { StepLog } from "@runnable-ts/sdk";

/**
 * What a run is doing now, for a view that samples it (a terminal redrawn on a timer): read it
 * whenever; it changes as the run goes. Such a view needs no step events at all — what a step
 * costs the run is a counter and a list entry, not two events.
 */
export interface RunProgress {
  /**
   * Steps running now (written PROCESSING and not since), by internal name, in the order they
   * started: the engine's own step logs, which change as the step goes on (attempts added).
   */
  readonly running: ReadonlyMap<string, StepLog>;
  /** Step logs written finished so far, by status (a step rewritten, e.g. marked superseded by a retry, counts again). */
  readonly finished: ReadonlyMap<string, number>;
  /** The step logs written finished last, oldest first: at least the last 64. */
  readonly recent: readonly StepLog[];
}

/** How many of the last finished step logs {@link RunProgress.recent} holds at least. */
export const RECENT_KEPT = 64;

/** Keeps a run's {@link RunProgress} as its step logs are written (see `trackRunning`). */
export class ProgressRecorder implements RunProgress {
  readonly finished = new Map<string, number>();
  private list: StepLog[] = [];

  constructor(readonly running: ReadonlyMap<string, StepLog>) {}

  get recent(): readonly StepLog[] {
    return this.list;
  }

  /** A step log written with a status other than PROCESSING. */
  finish(log: StepLog): void {
    this.finished.set(log.status, (this.finished.get(log.status) ?? 0) + 1);
    this.list.push(log);
    // Trimmed in bulk, not one shift per step.
    if (this.list.length > 2 * RECENT_KEPT) this.list = this.list.slice(-RECENT_KEPT);
  }
}
