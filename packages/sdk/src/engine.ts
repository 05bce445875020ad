import type { z } from "zod";
import type { CatalogSpec, GraphDef, NodeDef, ReturnSpec, TaskFunction } from "./graph";
import type { Awaitable, CatalogService, Pickler, RunLogStore, SecretsProvider } from "./contracts";
import type { PlanCommandFactory, PlanGraph } from "./plan";
import type { CodeIdentity, Parameter, Parameters, Status, StepLog } from "./run-log";

/** An event of a run: lifecycle events and events yielded by generator tasks. */
export interface RunEvent {
  readonly type: string;
  readonly run_id: string;
  /** Internal name of the step ("" for run-level events). */
  readonly step: string;
  readonly timestamp: string;
  readonly [field: string]: unknown;
}

/** Map variables and loop indices in effect inside a branch, by name (outermost first). */
export type IterVars = Readonly<Record<string, unknown>>;

/**
 * The parts of a run's events that cost something to build, and whether a listener wants them:
 * `previews` — the `inputs` of `task_started` and the `outputs` of `task_completed` (rendered
 * values); `output` — `task_output` events (the last line a task printed); `tasks` (default
 * true) — `task_started`, `task_completed` and `task_error` of every attempt (a view that reads
 * attempts from step logs needs none); `steps` (default true) — `step_started` and
 * `step_completed`.
 */
export interface EventDetail {
  readonly previews: boolean;
  readonly output: boolean;
  readonly tasks?: boolean | undefined;
  /** `step_started` and `step_completed` of every step (default true); skips and suspensions come either way. */
  readonly steps?: boolean | undefined;
}

/** The services and facts of a running pipeline, shared by every step. */
export interface RunServices {
  readonly runId: string;
  readonly store: RunLogStore;
  readonly catalog: CatalogService;
  readonly secrets: SecretsProvider;
  readonly pickler: Pickler;
  /** Working directory of the run. */
  readonly cwd: string;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** Stamped on new attempts (`RUNNABLE_RETRY_INDICATOR`). */
  readonly retryIndicator: string;
  /** True when something listens to the run's lifecycle events (so building them is worth it). */
  readonly observed: boolean;
  /**
   * What the listeners need beyond the lifecycle events (absent: everything). A listener that
   * shows neither (a tracer, the live view) spares every attempt rendering its values.
   */
  readonly detail?: EventDetail | undefined;
  /**
   * Sends an event to the run's listeners: `event` itself, a fresh object that run_id and
   * timestamp are added to (no copy is made). Resolves when the
   * listener can take more: a slow stream consumer makes the producer wait (backpressure).
   */
  emit(event: { type: string; step: string; [field: string]: unknown }): void | Promise<void>;
  /** Sends an event a task produced, for step `step` (its own fields kept; step, run_id, timestamp set). */
  emitFrom(step: string, event: { type: string; [field: string]: unknown }): void | Promise<void>;
  /** Loads `<module path>#<export>` relative to the working directory. */
  loadExport(reference: string): Promise<unknown>;
  /**
   * Environment variables that carry a step's trace context to another process (W3C
   * `TRACEPARENT`), for executors that run steps elsewhere; empty (or absent) when the run is
   * not traced.
   */
  traceEnv?(step: string): Record<string, string>;
  /**
   * The value of a stored parameter: a `json` or `metric` one as stored, an `object` one
   * loaded from the run's catalog through the pickler (see {@link parameterValue}).
   * @throws RunnableError `E_CATALOG` when the pickled file is missing.
   */
  valueOf(parameter: Parameter): Promise<unknown>;
}

/**
 * The value of a stored parameter (what {@link RunServices.valueOf} does), for code that
 * builds its own `RunServices`: `object` parameters name a pickled file in the run's catalog.
 */
export async function parameterValue(parameter: Parameter, services: Pick<RunServices, "runId" | "catalog" | "pickler">): Promise<unknown> {
  return parameter.kind === "object" ? services.pickler.loads(await services.catalog.getBytes(services.runId, String(parameter.value))) : parameter.value;
}

/** What a task type receives for one attempt. */
export interface TaskInvocation {
  readonly node: NodeDef & { readonly command: string | TaskFunction; readonly returns: readonly ReturnSpec[]; readonly [k: string]: unknown };
  /**
   * Parameter values in scope (pickled ones loaded), with map variables / loop indices on top.
   * Reads are recorded: the attempt's `input_parameters` are the parameters the task read.
   */
  readonly params: Readonly<Record<string, unknown>>;
  /** Parameters in scope with their kinds (reading this counts every parameter as used). */
  readonly parameters: Parameters;
  readonly iterVars: IterVars;
  /** The secrets the task listed, resolved. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly runId: string;
  readonly stepName: string;
  readonly attempt: number;
  readonly cwd: string;
  /** Aborted on timeout or cancellation. */
  readonly signal: AbortSignal;
  /** Emits an event; await it to respect the consumer's pace. */
  emit(event: { type: string; [field: string]: unknown }): void | Promise<void>;
  /** Appends text to the task's execution log. */
  log(text: string): void;
  /** Loads `<module path>#<export>` relative to the working directory. */
  loadExport(reference: string): Promise<unknown>;
  /**
   * Suspends the attempt (see `TaskContext.suspend`): records the payload and rejects. Absent
   * for hosts that cannot suspend.
   */
  suspend?(payload?: unknown): Promise<never>;
  /** The data of the resume that runs this attempt, if any. */
  readonly resumeData?: unknown;
}

/**
 * How a task type executes its command (`function`, `async-function`, `shell`, …).
 * `execute` resolves to the returned values by return name, or rejects with the reason the
 * attempt failed (its message becomes the attempt's message).
 */
export interface TaskType {
  /**
   * Keys of its own that a YAML task step with this `command_type` may have, with their schemas
   * (e.g. a notebook type's `kernel`), on top of every task's keys (`command`, `returns`,
   * `secrets`, `catalog`, `max_attempts`, `retry_delay_ms`, `timeout_ms`, …). YAML steps are
   * checked strictly: a key no one declares is an error with a "did you mean" suggestion.
   */
  readonly stepKeys?: StepKeys;
  /** Checks a task node's type-specific fields at definition time; problems, or []. */
  validate?(node: NodeDef, services: { loadExport(reference: string): Promise<unknown> }): Promise<string[]> | string[];
  /**
   * Runs the task; resolves to its values by return name. May answer synchronously (a plain
   * function's task type does: its step then costs no promise); a throw fails the attempt as a
   * rejection does.
   */
  execute(invocation: TaskInvocation): Awaitable<Record<string, unknown>>;
  /**
   * True when `execute` runs all of the node's code synchronously, within the call (a plain
   * function): the runtime then attributes its console output without an async context, which
   * costs far less. Leave it out (false) for anything that runs code after `execute` returns.
   */
  runsSynchronously?(node: NodeDef): boolean;
}

/** YAML keys of a step type and the zod schema of each value. */
export type StepKeys = Readonly<Record<string, z.ZodType>>;

/** How the traversal schedules work. */
export interface TraversalPolicy {
  /** Run branches of a composite concurrently (async-local) or one at a time (local). */
  readonly concurrentBranches: boolean;
  /** Bound on task steps running at once across the whole run. */
  readonly maxConcurrency: number;
  /**
   * When tasks run concurrently, attribute each task's `console.*` output to its execution log
   * (default true). On Node 20 this needs an AsyncLocalStorage, which slows every promise of the
   * process (~35% on a map of 10,000 tiny async tasks); false sends concurrent tasks' console
   * output to the terminal instead (`ctx.log` and shell output are still captured).
   */
  readonly captureConsole?: boolean;
  /**
   * Wraps every task step's execution (the `mocked` executor skips unpatched tasks; an
   * out-of-process executor runs it elsewhere). Call `next()` to execute normally.
   */
  readonly taskMiddleware?: (step: TaskStep, next: (node?: NodeDef) => Promise<Status>) => Promise<Status>;
}

/** A task step as a task middleware sees it. */
export interface TaskStep {
  readonly node: NodeDef;
  readonly internalName: string;
  /** Map variables / loop indices in effect. */
  readonly iterVars: IterVars;
  /** The step's log; a middleware that runs the step elsewhere copies the outcome into it. */
  readonly stepLog: StepLog;
  /** Records the step as a successful mock (`mock: true`) without running it. */
  mock(): Promise<Status>;
}

/**
 * One launch of a step (or a job) somewhere other than this process: a subprocess, a container,
 * a pod. The runtime's placement protocol builds it; a {@link Launcher} runs it.
 */
export interface LaunchRequest {
  /**
   * The command, executable first, as this machine sees it:
   * `[node, <runnable CLI>, "execute-single-node", <run id>, <definition file>, <step>, …]`.
   * A launcher that runs it elsewhere may rewrite the executable and paths (see `cwd`).
   */
  readonly argv: readonly string[];
  /**
   * Variables the launched process needs besides a minimal environment: the run's `RUNNABLE_*`
   * variables, `TRACEPARENT` when tracing, and the values of the secrets in `secretNames`.
   */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Names in `env` whose values are secrets (the step's listed secrets, when the executor asked
   * for them): pass them by name only (`-e NAME`), never on a command line.
   */
  readonly secretNames: readonly string[];
  /** A name for this launch, unique in the run and safe as a container name: `runnable-<run>-<step>-<random>`. */
  readonly name: string;
  /** The step's node (its `overrides` pick executor settings) or the job's task node. */
  readonly node: NodeDef;
  /** Internal name of the step (`job` for a job). */
  readonly internalName: string;
  readonly runId: string;
  /** Working directory of the run on this machine (paths in `argv` are absolute or relative to it). */
  readonly cwd: string;
  /** Aborted when the run is cancelled: stop what was launched and resolve. */
  readonly signal: AbortSignal;
}

/** What a {@link Launcher} reports back. */
export interface LaunchResult {
  /** Exit code of the launched command (null when it was killed). 0 and 1 mean it ran and recorded an outcome. */
  readonly code: number | null;
  /** The tail of its standard error (a few KB), quoted in messages. */
  readonly stderr: string;
  /** True when the launch never got to run the command (the engine refused to start it). */
  readonly notStarted?: boolean;
  /** Added to the code identities of the attempts the launch recorded (e.g. the image id, type `docker`). */
  readonly codeIdentities?: readonly CodeIdentity[];
  /** What ran it, for messages: e.g. `container runnable-r1-a-3f2c (localhost/app:1)`. */
  readonly where?: string;
}

/**
 * Runs a {@link LaunchRequest} somewhere and resolves when it ended (or was stopped after its
 * signal aborted). It rejects only for a reason that is not the step's (the launcher broke).
 * Everything else — flushing the store, the command, reading the outcome back — is the runtime's.
 */
export type Launcher = (request: LaunchRequest) => Promise<LaunchResult>;

/** How {@link PipelineRun.place} runs task steps elsewhere. */
export interface PlacementOptions {
  /** Launches at once across the run (parallel branches and map iterations run concurrently when > 1). Default 1. */
  readonly maxConcurrency?: number;
  /**
   * Resolve each step's listed secrets here and hand them to the launcher (`env` +
   * `secretNames`), for places that cannot read this machine's secrets. Default false: the
   * launched process reads them through the configured secrets plugin itself.
   */
  readonly passSecrets?: boolean;
  /** Who is placing, for messages (`emulator`, `local-container`). */
  readonly executor: string;
}

/** A pipeline ready to run, handed to the pipeline executor. */
export interface PipelineRun {
  readonly runId: string;
  readonly graph: GraphDef;
  readonly services: RunServices;
  /** Walks the graph in this process with `policy` and resolves to the final status. */
  traverse(policy: TraversalPolicy): Promise<Status>;
  /**
   * Walks the graph in this process (composites included) and runs every task step elsewhere
   * through `launcher`: flush the store, launch `runnable execute-single-node`, refresh, adopt
   * the outcome it recorded (a launch that recorded none is a FAIL step saying why), stop it
   * when the run is cancelled. Resolves to the final status.
   * @throws RunnableError `E_CONFIG_INVALID` for a run-log store other processes cannot read.
   */
  place(launcher: Launcher, options: PlacementOptions): Promise<Status>;
  /**
   * The command line (argv, executable first) that runs one step of this run in a fresh
   * process (`runnable execute-single-node …`), for executors that run steps elsewhere.
   * @throws RunnableError when the pipeline's definition cannot be re-loaded (no file recorded).
   */
  stepCommand(internalName: string, iterVars: IterVars): string[];
  /**
   * The pipeline as a plan, for executors that compile it for another system (Argo): every
   * step with its routing, its sub-graphs, whether its branches can be fanned out, and the
   * commands that run it or fan it out and in — made from what the node types declare.
   * `command` makes each command's argv (default: `runnable …` with `<run_id>` and
   * `<definition>` placeholders).
   */
  plan(command?: PlanCommandFactory): PlanGraph;
}

/**
 * A pipeline to compile for another system instead of running it here (the `argo` executor):
 * handed to {@link PipelineExecutor.compile} after the definition and executor checks, before
 * any run log exists. Nothing runs and no run log is written.
 */
export interface PipelineCompile {
  readonly graph: GraphDef;
  readonly services: RunServices;
  /** Where the definition came from, relative to `services.cwd` when it lies inside it. */
  readonly definition: { readonly file: string | undefined; readonly exportName?: string | undefined };
  /** The configuration file the run was started with (relative to `services.cwd` when inside it). */
  readonly configFile: string | undefined;
  /** The parameters file given to the run (as given), if any. */
  readonly parametersFile: string | undefined;
  /** The run's initial parameters (file, SDK, `RUNNABLE_PRM_*`), as plain values. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The pipeline as a plan (see {@link PipelineRun.plan}). */
  plan(command?: PlanCommandFactory): PlanGraph;
}

/**
 * A job to compile for another system (the `k8s-job` executor), handed to
 * {@link JobExecutor.compile} after the checks, before any run log exists.
 */
export interface JobCompile {
  /** The run id the job will have (the pod runs with it). */
  readonly runId: string;
  readonly node: NodeDef;
  readonly services: RunServices;
  /** Where the job came from, relative to `services.cwd` when it lies inside it. */
  readonly definition: { readonly file: string | undefined; readonly exportName?: string | undefined };
  /** The configuration file (relative to `services.cwd` when inside it). */
  readonly configFile: string | undefined;
  /** The parameters file given (as given), if any. */
  readonly parametersFile: string | undefined;
}

/** Re-exported so plugin authors can type catalog settings. */
export type { CatalogSpec };

/** A job ready to run, handed to the job executor. */
export interface JobRun {
  readonly runId: string;
  /** The job's task. */
  readonly node: NodeDef;
  readonly services: RunServices;
  /** Runs the job's attempts in this process, recording the run's job log; resolves to its status. */
  runHere(): Promise<Status>;
  /**
   * Runs the job's attempts elsewhere through `launcher` (the same protocol as
   * {@link PipelineRun.place}) and resolves to the status the job recorded.
   * @throws RunnableError `E_CONFIG_INVALID` for a run-log store other processes cannot read;
   *   an Error when the launch recorded no outcome.
   */
  place(launcher: Launcher, options: PlacementOptions): Promise<Status>;
  /** The command line (argv) that runs this job's attempts in a fresh process against this run. */
  jobCommand(): string[];
}

/**
 * What an executor may check before a run log exists (its `check` hook): every step of the
 * definition with its internal-name path (`*` (DYNAMIC_BRANCH_KEY) stands for map iterations and loop
 * indices) and the run's services.
 */
export interface ExecutionCheck {
  readonly graph: GraphDef;
  readonly steps: readonly { readonly path: string; readonly node: NodeDef }[];
  readonly services: RunServices;
}
