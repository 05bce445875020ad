import type { ExecutionCheck, JobCompile, JobRun, PipelineCompile, PipelineRun } from "./engine";
import type { BranchLog, DataCatalogEntry, Parameters, RunLog, RunLogHeader, RunSummary, Status, StepLog } from "./run-log";

/**
 * Where run logs live. Steps and branches are written as separate records so that a write
 * costs the same at step 10 and step 10,000, and concurrent branches never collide.
 * Every method may reject with a {@link RunnableError} (`E_RUN_EXISTS`, `E_RUN_NOT_FOUND`).
 */
/** A value, or a promise of it: what a method that may answer synchronously returns (`await` it). */
export type Awaitable<T> = T | Promise<T>;

/** True for a promise or any other thenable: what an {@link Awaitable} answer must be waited for. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value instanceof Promise || (typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function");
}

/**
 * Where run logs live. The per-step methods (parameters, step and branch logs) may answer
 * synchronously — an in-memory store does, and the engine then spends no promise on them —
 * or with a promise: callers `await` what they return. A failure is a rejected promise.
 */
export interface RunLogStore {
  /** True when branches of one run may write concurrently (from several tasks or processes). */
  readonly supportsConcurrentWriters: boolean;
  /** False when other processes cannot see the runs (an in-memory store); default true. */
  readonly persistent?: boolean;
  /** Creates the run-level record; rejects with `E_RUN_EXISTS` if the run id is taken. */
  createRunLog(header: RunLogHeader): Promise<void>;
  /** True when a run with this id exists. */
  exists(runId: string): Promise<boolean>;
  /** The full nested run log; rejects with `E_RUN_NOT_FOUND`. */
  getRunLog(runId: string): Promise<RunLog>;
  /** Updates run-level fields (status, run_config, job, tag). */
  updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void>;
  /** Parameters of the root (`branch` omitted or `""`) or of a branch. */
  getParameters(runId: string, branch?: string): Awaitable<Parameters>;
  /** Merges parameters into the root or a branch. */
  setParameters(runId: string, parameters: Parameters, branch?: string): Awaitable<void>;
  /** A step log without its branches, or undefined. */
  getStepLog(runId: string, internalName: string): Awaitable<StepLog | undefined>;
  /** Writes a step log (its `branches` field is ignored: branches are separate records). */
  putStepLog(runId: string, stepLog: StepLog): Awaitable<void>;
  /** A branch log without its steps, or undefined. */
  getBranchLog(runId: string, internalName: string): Awaitable<BranchLog | undefined>;
  /** Writes a branch log (its `steps` field is ignored). */
  putBranchLog(runId: string, branchLog: BranchLog): Awaitable<void>;
  /** Every run in the store. */
  listRuns(): Promise<RunSummary[]>;
  /**
   * Catches up with writes other processes made to the run since this instance last looked.
   * Optional: stores that read through on every call need not implement it. Executors that run
   * steps in other processes call it after each one.
   */
  refresh?(runId: string): Promise<void>;
  /**
   * Makes every write made so far visible to other processes. Optional: stores that write
   * through need not implement it. Executors call it before handing a step to another process.
   */
  flush?(): Promise<void>;
  /** Releases what the store holds open (files, connections); called when a run ends. Optional. */
  close?(): Promise<void>;
  /**
   * Writes step logs, branch logs and a run-level patch at once and synchronously, before it
   * returns: the runtime's last word from a process `exit` handler (a task called
   * `process.exit()`), where nothing asynchronous runs any more. Optional: without it the
   * runtime calls `putStepLog`, `putBranchLog` and `updateRunLog` without waiting, which is
   * enough for stores that write before their first `await` (as `chunked-fs` does).
   */
  writeSync?(runId: string, records: LastWrite): void;
}

/** What {@link RunLogStore.writeSync} writes. */
export interface LastWrite {
  readonly steps: readonly StepLog[];
  readonly branches: readonly BranchLog[];
  readonly patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>;
}

/** Options of a catalog transfer. */
export interface CatalogTransfer {
  runId: string;
  /** Glob patterns relative to the working directory (put) or the run's catalog folder (get). */
  patterns: string[];
  /** Working directory of the task. */
  cwd: string;
  /** When false, `put` records hashes without copying. */
  storeCopy?: boolean;
  /** When true, patterns matching nothing are not an error (a `put` after a failed step). */
  allowMissing?: boolean;
}

/** Moves files between steps of a run. */
export interface CatalogService {
  /** Copies matching files from the run's catalog into `cwd`. */
  get(transfer: CatalogTransfer): Promise<DataCatalogEntry[]>;
  /** Copies matching files from `cwd` into the run's catalog. */
  put(transfer: CatalogTransfer): Promise<DataCatalogEntry[]>;
  /** Stores bytes under a name in the run's catalog (execution logs, pickled objects). */
  putBytes(runId: string, name: string, data: Uint8Array): Promise<DataCatalogEntry>;
  /** Reads bytes stored by {@link CatalogService.putBytes}; rejects with `E_CATALOG` when absent. */
  getBytes(runId: string, name: string): Promise<Uint8Array>;
  /**
   * Optional: stores bytes read from `data` under a name, without holding them all in memory
   * (execution logs of tasks that print a lot). Resolves once the whole stream is stored.
   * Catalogs without it get one {@link CatalogService.putBytes} call with the whole content.
   */
  putStream?(runId: string, name: string, data: AsyncIterable<Uint8Array>): Promise<DataCatalogEntry>;
}

/** Provides secrets by name. */
export interface SecretsProvider {
  /** The secret's value; rejects with `E_SECRET_NOT_FOUND` naming the secret (never its value). */
  get(name: string): Promise<string>;
}

/** Serialises values JSON cannot carry. */
export interface Pickler {
  /** File extension of pickled files, e.g. `.pickle.json`. */
  readonly extension: string;
  dumps(value: unknown): Promise<Uint8Array>;
  loads(data: Uint8Array): Promise<unknown>;
}

/** Runs a pipeline: traverses it in-process with a policy, or hands it to another system. */
export interface PipelineExecutor {
  /**
   * Optional: checks what this executor needs of the definition and the machine (override
   * names, a container engine, an image) before any run log exists; a thrown RunnableError
   * stops the run there, as a definition or config error does.
   */
  check?(definition: ExecutionCheck): Promise<void>;
  /**
   * Optional: compiles the pipeline for another system (writes a manifest) instead of running
   * it. When present, the run calls it in place of creating a run log and calling `execute`,
   * and resolves to what it returns (a line saying what was written).
   */
  compile?(pipeline: PipelineCompile): Promise<string>;
  /** Runs the pipeline and resolves to its final status (the run log holds the rest). */
  execute(run: PipelineRun): Promise<Status>;
}

/** Runs a single job (a task without a graph): here, or in another process. */
export interface JobExecutor {
  /** Optional: as {@link PipelineExecutor.check}, for the job's one step (path `job`). */
  check?(definition: ExecutionCheck): Promise<void>;
  /**
   * Optional: compiles the job for another system (writes a manifest) instead of running it.
   * Resolves to a line saying what was written, or undefined to run the job after all (e.g.
   * inside the pod the manifest started).
   */
  compile?(job: JobCompile): Promise<string | undefined>;
  /** Runs the job and resolves to its final status (the run log's `job` section holds the rest). */
  execute(job: JobRun): Promise<Status>;
}
