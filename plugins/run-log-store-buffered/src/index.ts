import {
  assembleRunLog,
  definePlugin,
  EMPTY_LIST,
  EMPTY_RECORD,
  RunnableError,
  type Awaitable,
  type BranchLog,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunLogStore,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";

interface StoredRun {
  header: RunLogHeader;
  steps: Map<string, StepLog>;
  branches: Map<string, BranchLog>;
}

/**
 * What the store keeps of a step or branch log and hands out, copied cheaply: one level deep,
 * with new lists; attempts, catalog entries and parameter values inside are shared (the engine
 * never changes an attempt once it is added, and treats values as immutable). A kept record's
 * `branches` / `steps` is the SDK's shared frozen `EMPTY_RECORD`, never changed (the run log
 * is assembled from the flat records); what is handed out gets its own.
 */
function keptStep(step: StepLog): StepLog {
  return { ...step, attempts: step.attempts.length === 0 ? EMPTY_LIST : step.attempts.slice(), data_catalog: step.data_catalog.length === 0 ? EMPTY_LIST : step.data_catalog.slice(), branches: EMPTY_RECORD };
}

/** (Also a kept branch's copy for the run log being assembled, which sets `steps`.) */
function keptBranch(branch: BranchLog): BranchLog {
  return { internal_name: branch.internal_name, status: branch.status, steps: EMPTY_RECORD, parameters: { ...branch.parameters } };
}

/** A kept step's copy for the run log being assembled (which sets `branches`). */
function assembledStep(step: StepLog): StepLog {
  return { ...step, attempts: step.attempts.slice(), data_catalog: step.data_catalog.slice() };
}

function copyStep(step: StepLog): StepLog {
  return { ...step, attempts: step.attempts.slice(), data_catalog: step.data_catalog.slice(), branches: {} };
}

function copyBranch(branch: BranchLog): BranchLog {
  return { internal_name: branch.internal_name, status: branch.status, steps: {}, parameters: { ...branch.parameters } };
}

function unknownRun(runId: string): Promise<never> {
  return Promise.reject(new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in the buffered store`, { runId }));
}

/** What the store's run-level writes resolve to: one settled promise, not one per call. */
const DONE: Promise<void> = Promise.resolve();

/**
 * Keeps run logs in memory for the life of the store instance; nothing is persisted. Nothing it
 * does waits: the per-step methods answer synchronously (the engine then spends no promise on
 * them), the others with settled promises; a failure (e.g. an unknown run) is a rejected promise.
 */
export class BufferedRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = true;
  readonly persistent = false;
  private readonly runs = new Map<string, StoredRun>();

  createRunLog(header: RunLogHeader): Promise<void> {
    if (this.runs.has(header.run_id))
      return Promise.reject(new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists`, { runId: header.run_id }));
    this.runs.set(header.run_id, { header: { ...header, parameters: { ...header.parameters } }, steps: new Map(), branches: new Map() });
    return DONE;
  }

  exists(runId: string): Promise<boolean> {
    return Promise.resolve(this.runs.has(runId));
  }

  getRunLog(runId: string): Promise<RunLog> {
    return settled(this.answer(runId, (run) => assembleRunLog({ ...run.header, parameters: { ...run.header.parameters } }, Array.from(run.steps.values(), assembledStep), Array.from(run.branches.values(), keptBranch))));
  }

  updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    return settled(this.answer(runId, (run) => void Object.assign(run.header, patch)));
  }

  // The per-step methods look the run up themselves (no closure per call, as `answer` takes).

  getParameters(runId: string, branch = ""): Awaitable<Parameters> {
    const run = this.runs.get(runId);
    if (!run) return unknownRun(runId);
    return { ...(branch === "" ? run.header.parameters : run.branches.get(branch)?.parameters) };
  }

  setParameters(runId: string, parameters: Parameters, branch = ""): Awaitable<void> {
    return this.answer(runId, (run) => {
      if (branch === "") Object.assign(run.header.parameters, parameters);
      else {
        const log = run.branches.get(branch);
        if (!log) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
        Object.assign(log.parameters, parameters);
      }
    });
  }

  getStepLog(runId: string, internalName: string): Awaitable<StepLog | undefined> {
    return this.answer(runId, (run) => {
      const step = run.steps.get(internalName);
      return step && copyStep(step);
    });
  }

  putStepLog(runId: string, stepLog: StepLog): Awaitable<void> {
    const run = this.runs.get(runId);
    if (!run) return unknownRun(runId);
    try {
      run.steps.set(stepLog.internal_name, keptStep(stepLog));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getBranchLog(runId: string, internalName: string): Awaitable<BranchLog | undefined> {
    return this.answer(runId, (run) => {
      const branch = run.branches.get(internalName);
      return branch && copyBranch(branch);
    });
  }

  putBranchLog(runId: string, branchLog: BranchLog): Awaitable<void> {
    const run = this.runs.get(runId);
    if (!run) return unknownRun(runId);
    try {
      run.branches.set(branchLog.internal_name, keptBranch(branchLog));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `work` on the run, at once (a rejected promise when the run is unknown or `work` throws). */
  private answer<T>(runId: string, work: (run: StoredRun) => T): Awaitable<T> {
    const run = this.runs.get(runId);
    if (!run) return unknownRun(runId);
    try {
      return work(run);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async listRuns(): Promise<RunSummary[]> {
    return [...this.runs.values()].map(({ header }) => ({
      run_id: header.run_id,
      status: header.status,
      tag: header.tag,
      dag_hash: header.dag_hash,
    }));
  }

}

/** `value` as a promise (the methods the contract keeps asynchronous). */
function settled<T>(value: Awaitable<T>): Promise<T> {
  return value instanceof Promise ? value : value === undefined ? (DONE as Promise<T>) : Promise.resolve(value);
}

/** The `buffered` run-log store plugin: in memory, one store per run unless shared by config. */
export const bufferedRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "buffered",
  // Not wrapped by guardRunLogStore: in memory nothing can fail but an unknown run id, already
  // a coded RunnableError; the wrapper would cost a promise per call on the hottest path.
  create: () => new BufferedRunLogStore(),
});
