import type { Awaitable, BranchLog, RunConfig, RunLogStore, StepLog } from "@runnable-ts/sdk";
import type { ProgressRecorder } from "./progress";

/** Step and branch logs of one run that are PROCESSING, by internal name. */
export interface RunningRecords {
  readonly steps: Map<string, StepLog>;
  readonly branches: Map<string, BranchLog>;
}

/**
 * A view of `store` that keeps `running` up to date: a step or branch log written PROCESSING is
 * remembered until it is written with another status (then, with `progress`, recorded as
 * finished). Every other member is the store's own
 * (methods bound to it, found on its prototype chain too), so optional and future store methods
 * pass through unchanged. A plain object, not a Proxy: a trap on every store call costs more
 * than a map iteration's own work.
 */
export function trackRunning(store: RunLogStore, running: RunningRecords, progress?: ProgressRecorder): RunLogStore {
  const view: Record<string, unknown> = {};
  for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === "constructor" || key in view) continue;
      const value: unknown = (store as unknown as Record<string, unknown>)[key];
      if (typeof value === "function") view[key] = (value as (...args: unknown[]) => unknown).bind(store);
      else Object.defineProperty(view, key, { get: () => (store as unknown as Record<string, unknown>)[key], enumerable: true });
    }
  }
  view.putStepLog = (runId: string, log: StepLog): Awaitable<void> => {
    if (log.status === "PROCESSING") running.steps.set(log.internal_name, log);
    else {
      running.steps.delete(log.internal_name);
      progress?.finish(log);
    }
    return store.putStepLog(runId, log);
  };
  view.putBranchLog = (runId: string, log: BranchLog): Awaitable<void> => {
    if (log.status === "PROCESSING") running.branches.set(log.internal_name, log);
    else running.branches.delete(log.internal_name);
    return store.putBranchLog(runId, log);
  };
  return view as unknown as RunLogStore;
}

/** A run the guard watches. */
export interface GuardedRun {
  readonly runId: string;
  readonly runConfig: RunConfig;
  /** The store itself (not a view). */
  readonly store: RunLogStore;
  readonly running: RunningRecords;
}

/**
 * One `exit` listener for every run of the process still in progress. When the process exits
 * before a run ends (a task called `process.exit()`, the event loop drained while the run waited
 * on a promise that never settles, a second Ctrl-C), it writes — synchronously, as an `exit`
 * listener must — the run's PROCESSING steps and branches and the run itself as FAIL, saying the
 * process exited. (The exit code is the host's business: the CLI turns a 0 into 1.)
 */
class ExitGuard {
  private readonly runs = new Set<GuardedRun>();

  private readonly onExit = (code: number): void => {
    for (const run of this.runs) recordExit(run, code);
    this.runs.clear();
  };

  /** Watches `run` until the returned function is called. */
  add(run: GuardedRun): () => void {
    if (this.runs.size === 0) process.on("exit", this.onExit);
    this.runs.add(run);
    return () => {
      if (this.runs.delete(run) && this.runs.size === 0) process.off("exit", this.onExit);
    };
  }
}

/** The process-wide guard (no listener is installed until a run starts). */
export const exitGuard = new ExitGuard();

function recordExit(run: GuardedRun, code: number): void {
  const message = `the process exited (exit code ${code}) while this was running`;
  const steps = [...run.running.steps.values()].map((s): StepLog => ({ ...s, status: "FAIL", message: s.message ? `${s.message}; ${message}` : message }));
  const branches = [...run.running.branches.values()].map((b): BranchLog => ({ ...b, status: "FAIL" }));
  const patch = { status: "FAIL" as const, run_config: { ...run.runConfig, error: `the process exited (exit code ${code}) before the run ended` } };
  const { store, runId } = run;
  try {
    if (store.writeSync) {
      store.writeSync(runId, { steps, branches, patch });
      return;
    }
    // Without a synchronous hook: the stores that write before their first await still get it all.
    for (const s of steps) ignoreFailure(() => store.putStepLog(runId, s));
    for (const b of branches) ignoreFailure(() => store.putBranchLog(runId, b));
    ignoreFailure(() => store.updateRunLog(runId, patch));
  } catch {
    // Nothing more can be done while the process exits.
  }
}

/** Calls a store write whose failure nothing can act on any more (thrown or rejected). */
function ignoreFailure(write: () => Awaitable<void>): void {
  try {
    void Promise.resolve(write()).catch(() => undefined);
  } catch {
    // The process is exiting.
  }
}
