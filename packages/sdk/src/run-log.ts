import { z } from "zod";
import { lazySchema } from "./lazy-schema";

/**
 * Run, branch, step and attempt statuses, as in the reference, plus `SUSPENDED` (a task called
 * `ctx.suspend()`: the run waits for `runnable resume`).
 */
export const STATUSES = ["CREATED", "PROCESSING", "SUCCESS", "FAIL", "SUSPENDED"] as const;
/** One of {@link STATUSES}. */
export type Status = (typeof STATUSES)[number];

/** A stored parameter: `json` and `metric` hold the value; `object` holds the name of a pickled catalog file. */
export const ParameterSchema = lazySchema(() =>
  z.object({
    kind: z.enum(["json", "metric", "object"]),
    value: z.unknown(),
    description: z.unknown().optional(),
  }),
);
/** A stored parameter. */
export type Parameter = z.infer<typeof ParameterSchema>;
/** Parameters by name. */
export type Parameters = Record<string, Parameter>;

/** Identity of the code a step ran (git commit, container image…). */
export const CodeIdentitySchema = lazySchema(() =>
  z.looseObject({
    code_identifier: z.string(),
    code_identifier_type: z.string(),
    code_identifier_dependable: z.boolean(),
    code_identifier_url: z.string(),
    code_identifier_message: z.string(),
  }),
);
/** Identity of the code a step ran. */
export type CodeIdentity = z.infer<typeof CodeIdentitySchema>;

/** A file moved by the catalog, with its sha256. */
export const DataCatalogSchema = lazySchema(() =>
  z.looseObject({
    name: z.string(),
    data_hash: z.string(),
    catalog_relative_path: z.string(),
    stage: z.enum(["get", "put"]),
  }),
);
/** A file moved by the catalog. */
export type DataCatalogEntry = z.infer<typeof DataCatalogSchema>;

/** One attempt of a task step. Times are ISO-8601 UTC. */
export const StepAttemptSchema = lazySchema(() =>
  z.object({
    attempt_number: z.number().int(),
    start_time: z.string(),
    end_time: z.string(),
    status: z.enum(STATUSES),
    message: z.string(),
    input_parameters: z.record(z.string(), ParameterSchema),
    output_parameters: z.record(z.string(), ParameterSchema),
    user_defined_metrics: z.record(z.string(), z.unknown()),
    retry_indicator: z.string(),
    code_identities: z.array(CodeIdentitySchema),
    /** What the task passed to `ctx.suspend(payload)` (SUSPENDED attempts only). */
    suspend_payload: z.unknown().optional(),
    /** The data a `resume` gave this attempt (`ctx.resumeData`). */
    resume_data: z.unknown().optional(),
    /** How long the run waited before this attempt (retry delay, backoff and jitter applied), in ms. */
    delay_ms: z.number().optional(),
    /** True when the attempt reused a cached result instead of running the task (step cache). */
    cached: z.boolean().optional(),
    /** The run whose result a cached attempt reused (and, in the cache, the run that recorded it). */
    cached_from: z.string().optional(),
    /** What a failed attempt threw: its `name` and, when it has one, its `code` (what `retry_on` matches). */
    error: z.object({ name: z.string(), code: z.string().optional() }).optional(),
  }),
);
/** One attempt of a task step. */
export type StepAttempt = z.infer<typeof StepAttemptSchema>;

/** A branch of a composite step: its own steps and parameters. */
export interface BranchLog {
  internal_name: string;
  status: Status;
  steps: Record<string, StepLog>;
  parameters: Parameters;
}

/** The log of one step (task, stub, composite or terminal). */
export interface StepLog {
  name: string;
  internal_name: string;
  status: Status;
  step_type: string;
  message: string;
  mock: boolean;
  attempts: StepAttempt[];
  branches: Record<string, BranchLog>;
  data_catalog: DataCatalogEntry[];
}

/** Schema of {@link BranchLog}. */
export const BranchLogSchema: z.ZodType<BranchLog> = z.lazy(() =>
  z.object({
    internal_name: z.string(),
    status: z.enum(STATUSES),
    steps: z.record(z.string(), StepLogSchema),
    parameters: z.record(z.string(), ParameterSchema),
  }),
);

/** Schema of {@link StepLog}. */
export const StepLogSchema: z.ZodType<StepLog> = z.lazy(() =>
  z.object({
    name: z.string(),
    internal_name: z.string(),
    status: z.enum(STATUSES),
    step_type: z.string(),
    message: z.string(),
    mock: z.boolean(),
    attempts: z.array(StepAttemptSchema),
    branches: z.record(z.string(), BranchLogSchema),
    data_catalog: z.array(DataCatalogSchema),
  }),
);

/** The log of a job (a single task run without a graph). */
export const JobLogSchema = lazySchema(() =>
  z.object({
    status: z.enum(STATUSES),
    message: z.string(),
    mock: z.boolean(),
    code_identities: z.array(CodeIdentitySchema),
    attempts: z.array(StepAttemptSchema),
    data_catalog: z.array(DataCatalogSchema),
  }),
);
/** The log of a job. */
export type JobLog = z.infer<typeof JobLogSchema>;

/**
 * `run_config` of a run log: how the run was started, so that retry, other processes and tools
 * can re-create it. The same schema serves pipelines and jobs (a job has `job_definition_*` and
 * `job` instead of `pipeline_definition_*`, `dag` and `dag_hash`). Every field is optional so
 * that run logs written by older versions (or by tools) still read; unknown fields are kept.
 */
export const RunConfigSchema = lazySchema(() =>
  z.looseObject({
    run_id: z.string().optional(),
    tag: z.string().optional(),
    /** `yaml` for a YAML pipeline, `sdk` for a module's pipeline or job. */
    execution_mode: z.enum(["yaml", "sdk"]).optional(),
    /** Absolute path of the pipeline definition (YAML file or SDK module), when known. */
    pipeline_definition_file: z.string().nullable().optional(),
    /** Export holding the pipeline in an SDK module. */
    pipeline_definition_export: z.string().optional(),
    /** Absolute path of the job's module, when known. */
    job_definition_file: z.string().nullable().optional(),
    /** Export holding the job in its module. */
    job_definition_export: z.string().optional(),
    configuration_file: z.string().nullable().optional(),
    parameters_file: z.string().nullable().optional(),
    /** Working directory of the run. */
    cwd: z.string().optional(),
    /** The plugin serving each service kind. */
    services: z.record(z.string(), z.object({ type: z.string() })).optional(),
    is_retry: z.boolean().optional(),
    /** How many times the run was retried. */
    retries: z.number().int().optional(),
    retry_indicator: z.string().optional(),
    /** The pipeline's graph as plain JSON (what `dag_hash` hashes). */
    dag: z.unknown().optional(),
    dag_hash: z.string().optional(),
    /** A job's task as plain JSON. */
    job: z.unknown().optional(),
    /** Why the run ended FAIL when no step says it: an executor crash, an interruption, the process exiting. */
    error: z.string().optional(),
    /**
     * While a `resume` runs: the suspended step it resumes and the data it gives it (read by the
     * step wherever it runs, another process included). Removed when the run stops.
     */
    resume: z.object({ step: z.string(), data: z.unknown().optional() }).optional(),
    /** The step a `retry --from` of this run started from (the last such retry). */
    retry_from: z.string().optional(),
  }),
);
/** `run_config` of a run log. */
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** The run log of one run, with the reference's field names. */
export const RunLogSchema = lazySchema(() =>
  z.object({
    run_id: z.string(),
    dag_hash: z.string().nullable(),
    tag: z.string(),
    status: z.enum(STATUSES),
    steps: z.record(z.string(), StepLogSchema),
    job: JobLogSchema.nullable(),
    parameters: z.record(z.string(), ParameterSchema),
    run_config: RunConfigSchema,
  }),
);
/** The run log of one run. */
export type RunLog = z.infer<typeof RunLogSchema>;

/** The part of a run log that is not steps: what a store keeps in its run-level record. */
export type RunLogHeader = Omit<RunLog, "steps">;

/** A line of `runnable runs`. */
export interface RunSummary {
  run_id: string;
  status: Status;
  tag: string;
  dag_hash: string | null;
}

/** The internal name of the branch that holds a step (`map.1` for `map.1.task`), or `""` for a root step. */
export function parentBranchOf(internalName: string): string {
  const dot = internalName.lastIndexOf(".");
  return dot < 0 ? "" : internalName.slice(0, dot);
}

/** The internal name of the composite step that owns a branch (`map` for `map.1`). */
export function ownerStepOf(branchInternalName: string): string {
  const dot = branchInternalName.lastIndexOf(".");
  return dot < 0 ? "" : branchInternalName.slice(0, dot);
}

/**
 * Builds the full nested run log from flat records: the run header, step logs (without
 * branches) and branch logs (without steps), each keyed by internal name. Stores that keep
 * steps and branches as separate records use this on read. A step that owns no branches gets
 * the shared {@link EMPTY_RECORD} (a run log is read, not changed). The records become part of the run
 * log as they are (their `branches` / `steps` are replaced: a copy need not make them): pass
 * copies of what the store keeps, not the records themselves.
 */
export function assembleRunLog(
  header: RunLogHeader,
  steps: Iterable<StepLog>,
  branches: Iterable<BranchLog>,
): RunLog {
  const branchByName = new Map<string, BranchLog>();
  // The steps that own branches (composites: few), found by name once their logs are seen.
  const owners = new Map<string, StepLog | undefined>();
  for (const b of branches) {
    branchByName.set(b.internal_name, b);
    owners.set(ownerStepOf(b.internal_name), undefined);
  }
  // Many branches (a big map): their step records, and their owners' branch records, in
  // dictionary mode (see keyedRecord); a few: plain objects, cheaper to make.
  const many = branchByName.size > 256;
  for (const b of branchByName.values()) b.steps = many ? keyedRecord() : {};
  const runLog: RunLog = { ...header, steps: keyedRecord() };
  for (const step of steps) {
    const name = step.internal_name;
    if (owners.has(name)) {
      owners.set(name, step);
      step.branches = many ? keyedRecord() : {};
    } else step.branches = EMPTY_RECORD;
    const parent = parentBranchOf(name);
    if (parent === "") runLog.steps[name] = step;
    else {
      const branch = branchByName.get(parent);
      if (branch) branch.steps[name] = step;
    }
  }
  for (const branch of branchByName.values()) {
    const owner = owners.get(ownerStepOf(branch.internal_name));
    if (owner) owner.branches[branch.internal_name] = branch;
  }
  return runLog;
}

/**
 * An empty object for records keyed by internal names (`map.17.work`), in V8's dictionary mode
 * from the start. A plain `{}` given a key no other object has gets a hidden class of its own:
 * the run log of a 10,000-iteration map would make 10,000 of them (~0.4 µs and ~0.2 KiB each).
 */
export function keyedRecord<T>(): Record<string, T> {
  return Object.setPrototypeOf(Object.create(null), Object.prototype) as Record<string, T>;
}

let lastMs = 0;
let lastIso = "";

/** Current time as ISO-8601 UTC (formatted once per millisecond). */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/** A step attempt with defaults for the fields not given. */
export function newAttempt(fields: Partial<StepAttempt> & Pick<StepAttempt, "attempt_number" | "status">): StepAttempt {
  const now = isoNow();
  return {
    start_time: now,
    end_time: now,
    message: "",
    input_parameters: {},
    output_parameters: {},
    user_defined_metrics: {},
    retry_indicator: "",
    code_identities: [],
    ...fields,
  };
}

/** A new step log (status CREATED, no attempts). */
export function newStepLog(name: string, internalName: string, stepType: string): StepLog {
  return { name, internal_name: internalName, status: "CREATED", step_type: stepType, message: "", mock: false, attempts: [], branches: {}, data_catalog: [] };
}

/** Parameters in `after` that are new or changed compared with `before` (by JSON value and kind). */
export function diffParameters(before: Parameters, after: Parameters): Parameters {
  const out: Parameters = {};
  for (const [name, p] of Object.entries(after)) {
    const old = before[name];
    if (old === p || (old !== undefined && old.kind === p.kind && old.value === p.value)) continue;
    if (!old || old.kind !== p.kind || JSON.stringify(old.value) !== JSON.stringify(p.value)) out[name] = p;
  }
  return out;
}

/** The branch log `name` inside a nested run log, or undefined. */
export function findBranchLog(runLog: RunLog, name: string): BranchLog | undefined {
  const owner = findStepLog(runLog, ownerStepOf(name));
  return owner?.branches[name];
}

/** The step log `internalName` inside a nested run log, or undefined. */
export function findStepLog(runLog: RunLog, internalName: string): StepLog | undefined {
  const parent = parentBranchOf(internalName);
  if (parent === "") return runLog.steps[internalName];
  return findBranchLog(runLog, parent)?.steps[internalName];
}

/**
 * Writes a step log into a nested run log (keeping the branches already there).
 * @throws Error when the step's branch does not exist.
 */
export function upsertStepLog(runLog: RunLog, stepLog: StepLog): void {
  const parent = parentBranchOf(stepLog.internal_name);
  const container = parent === "" ? runLog.steps : findBranchLog(runLog, parent)?.steps;
  if (!container) throw new Error(`run ${runLog.run_id} has no branch "${parent}" for step "${stepLog.internal_name}"`);
  const existing = container[stepLog.internal_name];
  container[stepLog.internal_name] = { ...stepLog, branches: existing?.branches ?? {} };
}

/**
 * Writes a branch log into a nested run log (keeping the steps already there).
 * @throws Error when the owning step does not exist.
 */
export function upsertBranchLog(runLog: RunLog, branchLog: BranchLog): void {
  const owner = findStepLog(runLog, ownerStepOf(branchLog.internal_name));
  if (!owner) throw new Error(`run ${runLog.run_id} has no step "${ownerStepOf(branchLog.internal_name)}" for branch "${branchLog.internal_name}"`);
  const existing = owner.branches[branchLog.internal_name];
  owner.branches[branchLog.internal_name] = { ...branchLog, steps: existing?.steps ?? {} };
}

/**
 * The empty record the attempts of a run log share for their empty parameters and metrics
 * (frozen: a run log handed out is read, not changed). Every map iteration ends with a terminal
 * step whose attempt holds three of them: one object instead of three per iteration.
 */
export const EMPTY_RECORD: Record<string, never> = Object.freeze({});

/** The empty list the attempts of a run log share for their empty code identities (frozen, see {@link EMPTY_RECORD}). */
export const EMPTY_LIST: never[] = Object.freeze([]) as never[];

/**
 * `attempts` with `attempt` added, as a new list of its exact size: pushing to the empty list of
 * a new step log would reserve 17 slots for the one attempt most steps have (~130 bytes each,
 * two per map iteration).
 */
export function withAttempt(attempts: readonly StepAttempt[], attempt: StepAttempt): StepAttempt[] {
  return attempts.length === 0 ? [attempt] : [...attempts, attempt];
}

/**
 * Records one successful attempt on a step that has no command of its own (stub, terminal)
 * and resolves to SUCCESS: the whole `execute` of such node types.
 */
export function succeedStep(context: { stepLog: StepLog; services: { retryIndicator: string } }): "SUCCESS" {
  // One literal (no fields object spread over defaults): every branch of a map ends with one.
  const now = isoNow();
  context.stepLog.attempts = withAttempt(context.stepLog.attempts, {
    attempt_number: context.stepLog.attempts.length + 1,
    start_time: now,
    end_time: now,
    status: "SUCCESS",
    message: "",
    input_parameters: EMPTY_RECORD,
    output_parameters: EMPTY_RECORD,
    user_defined_metrics: EMPTY_RECORD,
    retry_indicator: context.services.retryIndicator,
    code_identities: EMPTY_LIST,
  });
  return "SUCCESS";
}
