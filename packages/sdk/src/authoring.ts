import { retryPolicyOf, type RetryOptions } from "./retry-policy";
import { dirname } from "node:path";
import { GraphError, RunnableError } from "./errors";
import type { CatalogSpec, GraphDef, NodeDef, ReturnSpec, TaskFunction } from "./graph";
import type { z } from "zod";
import type { RunLog } from "./run-log";
import type { RunEvent } from "./engine";

/** Options of `execute()` / `executeStreaming()`. */
export interface ExecuteOptions {
  /** Configuration file (else `RUNNABLE_CONFIGURATION_FILE`, else searched, else defaults). */
  configurationFile?: string;
  /** Parameters file, YAML or JSON (else `RUNNABLE_PARAMETERS_FILE`). */
  parametersFile?: string;
  /** Run id (else `RUNNABLE_RUN_ID`, else generated). */
  runId?: string;
  tag?: string;
  /** Aborting it cancels the run. */
  signal?: AbortSignal;
  /** Working directory of the run (default `process.cwd()`). */
  cwd?: string;
  /** Initial parameters, merged over the parameters file (SDK only). */
  parameters?: Record<string, unknown>;
  /** `executeStreaming` only: events buffered before generator tasks pause (default 1024). */
  eventBuffer?: number;
}

/** Options of `pipeline.resume(runId, …)`: which suspended step, with what data, and how to run. */
export interface ResumeOptions extends Omit<ExecuteOptions, "runId" | "parameters" | "parametersFile"> {
  /** Internal name of the suspended step to resume; required when several are suspended. */
  step?: string;
  /** What the resumed attempt finds in `ctx.resumeData` (JSON-serializable). */
  data?: unknown;
}

/** What `execute()` needs from `@runnable-ts/runtime`, looked up when first called. */
export interface RuntimeApi {
  executePipeline(pipeline: Pipeline, options: ExecuteOptions): Promise<RunLog>;
  resumePipeline(pipeline: Pipeline, runId: string, options: ResumeOptions): Promise<RunLog>;
  streamPipeline(pipeline: Pipeline, options: ExecuteOptions): AsyncIterable<RunEvent>;
  streamResume(pipeline: Pipeline, runId: string, options: ResumeOptions): AsyncIterable<RunEvent>;
  executeJob(job: Job, options: ExecuteOptions): Promise<RunLog>;
}

const RUNTIME_SLOT = Symbol.for("runnable-ts.runtime");
const CAPTURE_SLOT = Symbol.for("runnable-ts.definition-capture");

/**
 * Runs `load` in "definition mode": a `Pipeline.execute()` called meanwhile (a module that runs
 * its pipeline when imported) does not run anything; the pipeline is collected instead. Used to
 * load a pipeline's definition again in another process or for a retry.
 */
export async function captureDefinitions<T>(load: () => Promise<T>): Promise<{ result: T; pipelines: Pipeline[]; jobs: Job[] }> {
  const g = globalThis as Record<symbol, unknown>;
  const pipelines: Pipeline[] = [];
  const jobs: Job[] = [];
  const previous = g[CAPTURE_SLOT];
  g[CAPTURE_SLOT] = (p: Pipeline | Job) => (p instanceof Job ? jobs.push(p) : pipelines.push(p));
  try {
    return { result: await load(), pipelines, jobs };
  } finally {
    g[CAPTURE_SLOT] = previous;
  }
}

/** The placeholder `execute()` resolves to in definition mode (nothing ran). */
const DEFINITION_MODE_LOG: RunLog = Object.freeze({ run_id: "", dag_hash: null, tag: "", status: "CREATED", steps: {}, job: null, parameters: {}, run_config: { definition_mode: true } }) as RunLog;

/**
 * The runtime, found lazily so the SDK stays the lowest layer: a runtime that registered itself
 * in `globalThis`, else `require("@runnable-ts/runtime")`.
 * @throws RunnableError when no runtime is installed.
 */
export function runtimeApi(): RuntimeApi {
  const registered = (globalThis as Record<symbol, unknown>)[RUNTIME_SLOT];
  if (registered) return registered as RuntimeApi;
  try {
    return require("@runnable-ts/runtime") as RuntimeApi;
  } catch (error) {
    throw new RunnableError("E_USAGE", "Running a pipeline needs @runnable-ts/runtime: npm install @runnable-ts/runtime (or @runnable-ts/cli)", {}, { cause: error });
  }
}

/** Registers the runtime used by `execute()` (called by `@runnable-ts/runtime` when loaded). */
export function registerRuntime(api: RuntimeApi): void {
  (globalThis as Record<symbol, unknown>)[RUNTIME_SLOT] = api;
}

/** A return declared by name (kind json) or through {@link json}, {@link metric}, {@link pickled}. */
export type ReturnDecl = string | ReturnSpec;
/** A return stored as JSON (the default). */
export const json = (name: string): ReturnSpec => ({ name, kind: "json" });
/** A return stored as a metric: a parameter and a user-defined metric of the attempt. */
export const metric = (name: string): ReturnSpec => ({ name, kind: "metric" });
/** A return pickled into the catalog, for values JSON cannot carry (Date, Map, class instances…). */
export const pickled = (name: string): ReturnSpec => ({ name, kind: "object" });

/** Catalog settings of a step. */
export class Catalog {
  readonly spec: CatalogSpec;
  constructor(options: { get?: string[]; put?: string[]; storeCopy?: boolean } = {}) {
    this.spec = Object.freeze({ get: [...(options.get ?? [])], put: [...(options.put ?? [])], store_copy: options.storeCopy ?? true });
  }
}

/** Options every step takes. */
export interface StepOptions {
  name: string;
  /** Name of the next step; by default the following step of the pipeline. */
  next?: string;
  terminateWithSuccess?: boolean;
  terminateWithFailure?: boolean;
  /** A pipeline run when this step fails (its steps join this graph). */
  onFailure?: Pipeline;
}

/** Options of task steps. */
export interface TaskOptions extends StepOptions {
  returns?: ReturnDecl[];
  secrets?: string[];
  catalog?: Catalog | { get?: string[]; put?: string[]; storeCopy?: boolean };
  /** Executor name → key of that executor's `overrides` config. */
  overrides?: Record<string, string>;
  /** Attempts within the run (default 1). */
  maxAttempts?: number;
  /** Delay between attempts. */
  retryDelayMs?: number;
  /**
   * Retry policy: `{ backoff: 2, maxDelayMs, jitter: true, retryOn: ["E_TIMEOUT", "TypeError"] }`
   * (the delay grows from `retryDelayMs`; an error whose name or code is not in `retryOn` fails at once).
   */
  retry?: RetryOptions;
  /**
   * Step cache: `true`, or `{ key: (params) => string, ttlMs }`. A later run of the same task
   * (same definition, same input parameters read — or the same key — and the same code identity)
   * reuses the recorded returns and catalog outputs instead of running; its attempt is recorded
   * `cached: true` with the run it came from. `runnable cache clear` empties the cache.
   */
  cache?: true | { key?: (params: Record<string, unknown>) => string; ttlMs?: number };
  /** An attempt running longer fails and its signal is aborted. */
  timeoutMs?: number;
}

/** Base of every step class. */
export abstract class Step {
  readonly name: string;
  readonly options: StepOptions;
  constructor(options: StepOptions) {
    if (typeof options?.name !== "string" || options.name === "") throw new GraphError(["every step needs a non-empty name"]);
    if (options.name.includes(".")) throw new GraphError([`step name "${options.name}" may not contain "."`]);
    if (options.terminateWithSuccess && options.terminateWithFailure)
      throw new GraphError([`step "${options.name}": terminateWithSuccess and terminateWithFailure exclude each other`]);
    this.name = options.name;
    this.options = options;
  }

  /** The node of this step (without `next`, which the pipeline decides). */
  abstract toNode(): NodeDef;
}

function taskFields(o: TaskOptions): Record<string, unknown> {
  const catalog = o.catalog instanceof Catalog ? o.catalog.spec : o.catalog ? new Catalog(o.catalog).spec : undefined;
  return {
    returns: (o.returns ?? []).map((r) => (typeof r === "string" ? json(r) : r)),
    secrets: [...(o.secrets ?? [])],
    ...(catalog ? { catalog } : {}),
    max_attempts: o.maxAttempts ?? 1,
    retry_delay_ms: o.retryDelayMs ?? 0,
    ...(o.retry !== undefined ? { retry: typeof o.retry === "object" && o.retry !== null && !Array.isArray(o.retry) ? retryPolicyOf(o.retry) : o.retry } : {}),
    ...(o.timeoutMs !== undefined ? { timeout_ms: o.timeoutMs } : {}),
    ...(o.cache !== undefined ? { cache: typeof o.cache === "object" && o.cache !== null ? { ...(o.cache.key ? { key: o.cache.key } : {}), ...(o.cache.ttlMs !== undefined ? { ttl_ms: o.cache.ttlMs } : {}) } : o.cache } : {}),
    overrides: { ...(o.overrides ?? {}) },
  };
}

/** A task running a TypeScript function, sync or async (a returned promise is awaited). */
export class FunctionTask<P = Record<string, unknown>> extends Step {
  constructor(readonly taskOptions: TaskOptions & { fn: TaskFunction<P>; input?: z.ZodType<P> }) {
    super(taskOptions);
    if (typeof taskOptions.fn !== "function") throw new GraphError([`step "${this.name}": fn must be a function`]);
  }
  protected commandType(): string {
    return "function";
  }
  toNode(): NodeDef {
    const o = this.taskOptions;
    return {
      type: "task",
      name: this.name,
      command_type: this.commandType(),
      command: o.fn,
      ...taskFields(o),
      ...(o.input ? { input: o.input } : {}),
      stream_end_type: "done",
    };
  }
}

/** True for `async function` and `async function*` values. */
export function isAsyncFunction(fn: unknown): boolean {
  const ctor = typeof fn === "function" ? fn.constructor?.name : undefined;
  return ctor === "AsyncFunction" || ctor === "AsyncGeneratorFunction";
}

/**
 * A task running an `async` function or async generator function. Generator tasks stream the
 * objects they yield as events; the event whose type is `streamEndType` (default `done`)
 * carries the return value.
 * @throws GraphError when `fn` is not async ("must be an async function").
 */
export class AsyncFunctionTask<P = Record<string, unknown>> extends FunctionTask<P> {
  constructor(options: TaskOptions & { fn: TaskFunction<P>; input?: z.ZodType<P>; streamEndType?: string }) {
    super(options);
    if (!isAsyncFunction(options.fn)) throw new GraphError([`step "${this.name}": fn must be an async function or async generator function`]);
  }
  protected override commandType(): string {
    return "async-function";
  }
  override toNode(): NodeDef {
    const end = (this.taskOptions as { streamEndType?: string }).streamEndType;
    return { ...super.toNode(), stream_end_type: end ?? "done" };
  }
}

/** A task running a shell command (`/bin/sh -c`); `export name=value` returns values. */
export class ShellTask extends Step {
  constructor(readonly taskOptions: TaskOptions & { command: string }) {
    super(taskOptions);
    if (typeof taskOptions.command !== "string" || taskOptions.command.trim() === "") throw new GraphError([`step "${this.name}": command must be a non-empty string`]);
  }
  toNode(): NodeDef {
    return { type: "task", name: this.name, command_type: "shell", command: this.taskOptions.command, ...taskFields(this.taskOptions), stream_end_type: "done" };
  }
}

/**
 * A task running a Jupyter notebook (the `notebook` task type): `notebook` is the path of an
 * `.ipynb` file relative to the working directory, `kernel` the Jupyter kernel (default
 * `python3`). The names the cell tagged `parameters` assigns are injected from the run's
 * parameters; `returns` are read from the notebook's variables after it ran (json or metric).
 *
 * @example
 * ```ts
 * new NotebookTask({ name: "analyse", notebook: "notebooks/analyse.ipynb", returns: ["total", metric("mean")] });
 * ```
 * @throws GraphError when `notebook` is not a path ending in `.ipynb`.
 */
export class NotebookTask extends Step {
  constructor(readonly taskOptions: TaskOptions & { notebook: string; kernel?: string }) {
    super(taskOptions);
    if (typeof taskOptions.notebook !== "string" || !taskOptions.notebook.toLowerCase().endsWith(".ipynb"))
      throw new GraphError([`step "${this.name}": notebook must be the path of an .ipynb file`]);
  }
  toNode(): NodeDef {
    const o = this.taskOptions;
    return { type: "task", name: this.name, command_type: "notebook", command: o.notebook, ...(o.kernel !== undefined ? { kernel: o.kernel } : {}), ...taskFields(o), stream_end_type: "done" };
  }
}

/** A step that does nothing and succeeds (a placeholder while designing a pipeline). */
export class Stub extends Step {
  constructor(readonly stubOptions: StepOptions & { catalog?: Catalog; returns?: ReturnDecl[] }) {
    super(stubOptions);
  }
  toNode(): NodeDef {
    return { type: "stub", name: this.name };
  }
}

/** Runs every branch; succeeds when all do, then merges their parameters back (last declared wins). */
export class Parallel extends Step {
  constructor(readonly parallelOptions: StepOptions & { branches: Record<string, Pipeline> }) {
    super(parallelOptions);
  }
  toNode(): NodeDef {
    return { type: "parallel", name: this.name, branches: mapValues(this.parallelOptions.branches, (p) => p.toGraph()) };
  }
}

/** Runs `branch` once per item of the list parameter `iterateOn`, the item bound to `iterateAs`. */
export class MapStep extends Step {
  constructor(readonly mapOptions: StepOptions & { iterateOn: string; iterateAs: string; branch: Pipeline; reducer?: string }) {
    super(mapOptions);
  }
  toNode(): NodeDef {
    const o = this.mapOptions;
    return { type: "map", name: this.name, iterate_on: o.iterateOn, iterate_as: o.iterateAs, branch: o.branch.toGraph(), ...(o.reducer ? { reducer: o.reducer } : {}) };
  }
}

/** Runs the branch named after the value of `parameter`. */
export class Conditional extends Step {
  constructor(readonly conditionalOptions: StepOptions & { parameter: string; branches: Record<string, Pipeline> }) {
    super(conditionalOptions);
  }
  toNode(): NodeDef {
    const o = this.conditionalOptions;
    return { type: "conditional", name: this.name, parameter: o.parameter, branches: mapValues(o.branches, (p) => p.toGraph()) };
  }
}

/** Runs `branch` repeatedly, carrying parameters, until `breakOn` is true or `maxIterations` ran. */
export class Loop extends Step {
  constructor(readonly loopOptions: StepOptions & { branch: Pipeline; maxIterations: number; breakOn: string; indexAs: string }) {
    super(loopOptions);
  }
  toNode(): NodeDef {
    const o = this.loopOptions;
    return { type: "loop", name: this.name, branch: o.branch.toGraph(), max_iterations: o.maxIterations, break_on: o.breakOn, index_as: o.indexAs };
  }
}

/** An explicit success terminal (rarely needed: one is added to every graph). */
export class Success extends Step {
  constructor(options: { name?: string } = {}) {
    super({ name: options.name ?? "success" });
  }
  toNode(): NodeDef {
    return { type: "success", name: this.name };
  }
}

/** An explicit fail terminal (rarely needed: one is added to every graph). */
export class Fail extends Step {
  constructor(options: { name?: string } = {}) {
    super({ name: options.name ?? "fail" });
  }
  toNode(): NodeDef {
    return { type: "fail", name: this.name };
  }
}

/** Where an SDK pipeline was defined, for out-of-process steps and retry. */
export interface DefinitionLocation {
  /** Absolute path of the module that constructed the pipeline. */
  readonly file: string | undefined;
  /** Export holding the pipeline (or a factory), when known. */
  readonly exportName?: string;
}

/**
 * A pipeline: steps chained in order (each step's `next` defaults to the following one; the
 * last ends in success unless it says otherwise).
 *
 * @example
 * ```ts
 * const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "hello", fn: () => "hi", returns: ["greeting"] })] });
 * const runLog = await pipeline.execute();
 * ```
 */
export class Pipeline {
  readonly steps: readonly Step[];
  readonly description: string | undefined;
  readonly definedAt: DefinitionLocation;

  constructor(options: { steps: Step[]; description?: string; definedAt?: DefinitionLocation }) {
    if (!Array.isArray(options?.steps) || options.steps.length === 0) throw new GraphError(["a pipeline needs at least one step"]);
    this.steps = [...options.steps];
    this.description = options.description;
    this.definedAt = options.definedAt ?? { file: callerFile() };
  }

  private graph: GraphDef | undefined;

  /**
   * The graph of this pipeline (checked fully by the runtime before running). Built once: a
   * pipeline's steps do not change after construction.
   */
  toGraph(): GraphDef {
    this.graph ??= this.buildGraph();
    return this.graph;
  }

  private buildGraph(): GraphDef {
    const steps: Record<string, NodeDef> = {};
    const add = (pipeline: Pipeline, problems: string[]): void => {
      pipeline.steps.forEach((step, i) => {
        const following = pipeline.steps[i + 1];
        const o = step.options;
        const next = o.terminateWithFailure ? "fail" : o.terminateWithSuccess ? "success" : (o.next ?? following?.name ?? "success");
        const node: NodeDef = step instanceof Success || step instanceof Fail ? step.toNode() : { ...step.toNode(), next };
        if (steps[step.name]) problems.push(`duplicate step name "${step.name}"`);
        steps[step.name] = o.onFailure ? { ...node, on_failure: o.onFailure.steps[0]?.name } : node;
      });
      for (const step of pipeline.steps) if (step.options.onFailure && !seen.has(step.options.onFailure)) {
        seen.add(step.options.onFailure);
        add(step.options.onFailure, problems);
      }
    };
    const seen = new Set<Pipeline>();
    const problems: string[] = [];
    add(this, problems);
    if (problems.length > 0) throw new GraphError(problems);
    return { start_at: this.steps[0]!.name, ...(this.description ? { description: this.description } : {}), steps };
  }

  /**
   * Runs the pipeline and resolves to its run log. A run in which a task called `ctx.suspend()`
   * resolves too: its run log's `status` is `"SUSPENDED"` (resume it with {@link resume}).
   * @throws ExecutionFailedError (with `runId` and `runLog`) when the run ends FAIL.
   * @throws RunnableError for configuration or definition errors, before anything runs.
   */
  execute(options: ExecuteOptions = {}): Promise<RunLog> {
    const capture = (globalThis as Record<symbol, unknown>)[CAPTURE_SLOT] as ((p: Pipeline | Job) => void) | undefined;
    if (capture) {
      capture(this);
      return Promise.resolve(DEFINITION_MODE_LOG);
    }
    return runtimeApi().executePipeline(this, options);
  }

  /**
   * Resumes a SUSPENDED run of this pipeline: runs the suspended step `options.step` (optional
   * when only one is suspended) again as a new attempt whose `ctx.resumeData` is `options.data`,
   * then goes on as a retry does. Resolves to the run log — `status` `"SUSPENDED"` again while
   * other steps still wait for their resume.
   * @throws RunnableError `E_NOT_SUSPENDED`, `E_STEP_NOT_SUSPENDED`, `E_RESUME_AMBIGUOUS`,
   *   `E_RUN_NOT_FOUND` before anything runs (the run log is unchanged).
   * @throws ExecutionFailedError when the resumed run ends FAIL.
   * @example
   * const log = await pipeline.resume(runId, { step: "approve", data: { approved: true } });
   */
  resume(runId: string, options: ResumeOptions = {}): Promise<RunLog> {
    return runtimeApi().resumePipeline(this, runId, options);
  }
}

/**
 * A pipeline whose natural use is async: `execute()` as for {@link Pipeline}, plus
 * `executeStreaming()`, an async iterable of the run's events.
 */
export class AsyncPipeline extends Pipeline {
  /**
   * Runs the pipeline, yielding lifecycle events and the events generator tasks yield. Breaking
   * out of the loop cancels the run. After the last event, throws ExecutionFailedError if the
   * run failed.
   */
  executeStreaming(options: ExecuteOptions = {}): AsyncIterable<RunEvent> {
    return runtimeApi().streamPipeline(this, options);
  }

  /**
   * {@link Pipeline.resume} as a stream of the resumed run's events (as `executeStreaming`).
   * A refused resume (`E_NOT_SUSPENDED`, …) throws when the first event is asked for.
   */
  resumeStreaming(runId: string, options: ResumeOptions = {}): AsyncIterable<RunEvent> {
    return runtimeApi().streamResume(this, runId, options);
  }
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

/** This package's code (dist, or src through source maps): frames in it are not callers. */
const SDK_CODE = [`${dirname(__dirname)}/dist/`, `${dirname(__dirname)}/src/`];

function callerFile(): string | undefined {
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  for (const line of stack) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/.exec(line.trim());
    const file = match?.[1]?.replace(/^file:\/\//, "");
    if (file && !SDK_CODE.some((dir) => file.startsWith(dir)) && !file.includes("/node_modules/@runnable-ts/sdk/") && !file.startsWith("node:")) return file;
  }
  return undefined;
}

/** Options of jobs: a task run on its own, without a graph. */
export interface JobOptions {
  returns?: ReturnDecl[];
  secrets?: string[];
  /** Files to store after the job (`get` is not supported: a job has no earlier step). */
  catalog?: Catalog | { put?: string[]; storeCopy?: boolean };
  maxAttempts?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

/** Base of {@link FunctionJob} and {@link ShellJob}. */
export abstract class Job {
  readonly definedAt: DefinitionLocation;
  constructor(readonly jobOptions: JobOptions) {
    const catalog = jobOptions.catalog instanceof Catalog ? jobOptions.catalog.spec : jobOptions.catalog;
    if (catalog && "get" in catalog && Array.isArray(catalog.get) && catalog.get.length > 0) throw new GraphError(["a job cannot get files from the catalog (it has no earlier step): use put only"]);
    this.definedAt = { file: callerFile() };
  }

  /** The job's task, as a task node named `job`. */
  abstract toNode(): NodeDef;

  /**
   * Runs the job and resolves to its run log (the `job` section holds its attempts).
   * @throws ExecutionFailedError when the job fails.
   */
  execute(options: ExecuteOptions = {}): Promise<RunLog> {
    const capture = (globalThis as Record<symbol, unknown>)[CAPTURE_SLOT] as ((p: Pipeline | Job) => void) | undefined;
    if (capture) {
      capture(this);
      return Promise.resolve(DEFINITION_MODE_LOG);
    }
    return runtimeApi().executeJob(this, options);
  }
}

/** A job running a TypeScript function (sync or async). */
export class FunctionJob<P = Record<string, unknown>> extends Job {
  constructor(readonly options: JobOptions & { fn: TaskFunction<P>; input?: z.ZodType<P> }) {
    super(options);
    if (typeof options.fn !== "function") throw new GraphError(["FunctionJob: fn must be a function"]);
  }
  toNode(): NodeDef {
    return { type: "task", name: "job", command_type: isAsyncFunction(this.options.fn) ? "async-function" : "function", command: this.options.fn, ...taskFields({ name: "job", ...this.options }), ...(this.options.input ? { input: this.options.input } : {}), stream_end_type: "done" };
  }
}

/** A job running a shell command. */
export class ShellJob extends Job {
  constructor(readonly options: JobOptions & { command: string }) {
    super(options);
    if (typeof options.command !== "string" || options.command.trim() === "") throw new GraphError(["ShellJob: command must be a non-empty string"]);
  }
  toNode(): NodeDef {
    return { type: "task", name: "job", command_type: "shell", command: this.options.command, ...taskFields({ name: "job", ...this.options }), stream_end_type: "done" };
  }
}
