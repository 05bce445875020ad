import {
  assembleRunLog,
  definePlugin,
  guardRunLogStore,
  RunnableError,
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
 * Copies what a store keeps and hands out, cheaply: records are copied one level deep and their
 * lists are new arrays; attempts, catalog entries and parameter values inside are shared (the
 * engine never changes an attempt once it is added, and treats values as immutable).
 */
function copyStep(step: StepLog): StepLog {
  return { ...step, attempts: [...step.attempts], data_catalog: [...step.data_catalog], branches: {} };
}

/** Keeps run logs in memory for the life of the store instance; nothing is persisted. */
export class BufferedRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = true;
  readonly persistent = false;
  private readonly runs = new Map<string, StoredRun>();

  async createRunLog(header: RunLogHeader): Promise<void> {
    if (this.runs.has(header.run_id))
      throw new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists`, { runId: header.run_id });
    this.runs.set(header.run_id, { header: { ...header, parameters: { ...header.parameters } }, steps: new Map(), branches: new Map() });
  }

  async exists(runId: string): Promise<boolean> {
    return this.runs.has(runId);
  }

  async getRunLog(runId: string): Promise<RunLog> {
    const run = this.run(runId);
    const branches = [...run.branches.values()].map((b) => ({ ...b, parameters: { ...b.parameters } }));
    return assembleRunLog({ ...run.header, parameters: { ...run.header.parameters } }, [...run.steps.values()].map(copyStep), branches);
  }

  async updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    Object.assign(this.run(runId).header, patch);
  }

  async getParameters(runId: string, branch = ""): Promise<Parameters> {
    const run = this.run(runId);
    const params = branch === "" ? run.header.parameters : run.branches.get(branch)?.parameters;
    return { ...params };
  }

  async setParameters(runId: string, parameters: Parameters, branch = ""): Promise<void> {
    const run = this.run(runId);
    if (branch === "") Object.assign(run.header.parameters, parameters);
    else {
      const log = run.branches.get(branch);
      if (!log) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
      Object.assign(log.parameters, parameters);
    }
  }

  async getStepLog(runId: string, internalName: string): Promise<StepLog | undefined> {
    const step = this.run(runId).steps.get(internalName);
    return step && copyStep(step);
  }

  async putStepLog(runId: string, stepLog: StepLog): Promise<void> {
    this.run(runId).steps.set(stepLog.internal_name, copyStep(stepLog));
  }

  async getBranchLog(runId: string, internalName: string): Promise<BranchLog | undefined> {
    const branch = this.run(runId).branches.get(internalName);
    return branch && { ...branch, parameters: { ...branch.parameters }, steps: {} };
  }

  async putBranchLog(runId: string, branchLog: BranchLog): Promise<void> {
    this.run(runId).branches.set(branchLog.internal_name, { ...branchLog, parameters: { ...branchLog.parameters }, steps: {} });
  }

  async listRuns(): Promise<RunSummary[]> {
    return [...this.runs.values()].map(({ header }) => ({
      run_id: header.run_id,
      status: header.status,
      tag: header.tag,
      dag_hash: header.dag_hash,
    }));
  }

  private run(runId: string): StoredRun {
    const run = this.runs.get(runId);
    if (!run) throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in the buffered store`, { runId });
    return run;
  }
}

/** The `buffered` run-log store plugin: in memory, one store per run unless shared by config. */
export const bufferedRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "buffered",
  create: () => guardRunLogStore("buffered", new BufferedRunLogStore()),
});
