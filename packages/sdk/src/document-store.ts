import type { RunLogStore } from "./contracts";
import { RunnableError } from "./errors";
import {
  findBranchLog,
  findStepLog,
  RunLogSchema,
  upsertBranchLog,
  upsertStepLog,
  type BranchLog,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunSummary,
  type StepLog,
} from "./run-log";
import { KeyedMutex } from "./store-kit";

/**
 * A run log read from `source` (a file, an object URL): JSON in the run-log shape.
 * @throws RunnableError `E_RUN_LOG_CORRUPT` naming `source` when it is not JSON or not a run log.
 */
export function parseRunLogDocument(text: string, source: string, runId: string): RunLog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunnableError("E_RUN_LOG_CORRUPT", `The run log ${source} is corrupt: it is not JSON (${(error as Error).message}). Restore it from a backup, or remove it.`, { runId, file: source });
  }
  const parsed = RunLogSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RunnableError(
      "E_RUN_LOG_CORRUPT",
      `The run log ${source} is corrupt: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "not a run log"}. Restore it from a backup, or remove it.`,
      { runId, file: source },
    );
  }
  return parsed.data as RunLog;
}

/**
 * A run-log store that keeps one document per run in the reference's nested shape (`file-system`,
 * `minio`): every change reads, changes and rewrites the whole document, serialised per run
 * within a process. A store over another medium says where runs live and how one document is
 * read, written and listed; the run-log operations are this class's.
 */
export abstract class DocumentRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = false;
  private readonly mutex = new KeyedMutex();

  /** Where runs are kept, for messages (a folder, `s3://bucket/prefix`). */
  protected abstract readonly location: string;
  /** The run's document; rejects with `E_RUN_NOT_FOUND` when absent, `E_RUN_LOG_CORRUPT` when unreadable. */
  protected abstract read(runId: string): Promise<RunLog>;
  /** Replaces the run's document as a whole. */
  protected abstract write(runId: string, log: RunLog): Promise<void>;
  abstract exists(runId: string): Promise<boolean>;
  abstract listRuns(): Promise<RunSummary[]>;

  private update(runId: string, change: (log: RunLog) => void): Promise<void> {
    return this.mutex.run(runId, async () => {
      const log = await this.read(runId);
      change(log);
      await this.write(runId, log);
    });
  }

  async createRunLog(header: RunLogHeader): Promise<void> {
    await this.mutex.run(header.run_id, async () => {
      if (await this.exists(header.run_id)) throw new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists in ${this.location}`, { runId: header.run_id });
      await this.write(header.run_id, { ...header, steps: {} });
    });
  }

  getRunLog(runId: string): Promise<RunLog> {
    return this.mutex.run(runId, () => this.read(runId));
  }

  updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    return this.update(runId, (log) => Object.assign(log, patch));
  }

  async getParameters(runId: string, branch = ""): Promise<Parameters> {
    const log = await this.getRunLog(runId);
    return (branch === "" ? log.parameters : findBranchLog(log, branch)?.parameters) ?? {};
  }

  setParameters(runId: string, parameters: Parameters, branch = ""): Promise<void> {
    return this.update(runId, (log) => {
      const target = branch === "" ? log.parameters : findBranchLog(log, branch)?.parameters;
      if (!target) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
      Object.assign(target, parameters);
    });
  }

  async getStepLog(runId: string, internalName: string): Promise<StepLog | undefined> {
    const step = findStepLog(await this.getRunLog(runId), internalName);
    return step && { ...step, branches: {} };
  }

  putStepLog(runId: string, stepLog: StepLog): Promise<void> {
    return this.update(runId, (log) => upsertStepLog(log, stepLog));
  }

  async getBranchLog(runId: string, internalName: string): Promise<BranchLog | undefined> {
    const branch = findBranchLog(await this.getRunLog(runId), internalName);
    return branch && { ...branch, steps: {} };
  }

  putBranchLog(runId: string, branchLog: BranchLog): Promise<void> {
    return this.update(runId, (log) => upsertBranchLog(log, branchLog));
  }
}
