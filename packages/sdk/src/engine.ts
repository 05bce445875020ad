import type { CatalogSpec, GraphDef, NodeDef, ReturnSpec, TaskFunction } from "./graph";
import type { CatalogService, Pickler, RunLogStore, SecretsProvider } from "./contracts";
import type { PlanCommandFactory, PlanGraph } from "./plan";
import type { Parameter, Parameters, Status, StepLog } from "./run-log";

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
  /** True when something listens to the run's events (so building them is worth it). */
  readonly observed: boolean;
  /**
   * Sends an event to the run's listeners (run_id and timestamp are added). Resolves when the
   * listener can take more: a slow stream consumer makes the producer wait (backpressure).
   */
  emit(event: { type: string; step: string; [field: string]: unknown }): void | Promise<void>;
  /** Sends an event a task produced, for step `step` (its own fields kept; step, run_id, timestamp set). */
  emitFrom(step: string, event: { type: string; [field: string]: unknown }): void | Promise<void>;
  /** Loads `<module path>#<export>` relative to the working directory. */
  loadExport(reference: string): Promise<unknown>;
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
}

/**
 * How a task type executes its command (`function`, `async-function`, `shell`, …).
 * `execute` resolves to the returned values by return name, or rejects with the reason the
 * attempt failed (its message becomes the attempt's message).
 */
export interface TaskType {
  /** Checks a task node's type-specific fields at definition time; problems, or []. */
  validate?(node: NodeDef, services: { loadExport(reference: string): Promise<unknown> }): Promise<string[]> | string[];
  execute(invocation: TaskInvocation): Promise<Record<string, unknown>>;
}

/** Outcome of one branch of a composite step, as its `merge` phase sees it. */
export interface BranchOutcome {
  /** Internal name of the branch (`par.a`, `map_state.1`). */
  readonly internalName: string;
  readonly status: Status;
  /** The branch's parameters when it ended: what it inherited overlaid with what it set. */
  readonly parameters: Parameters;
  /**
   * What the branch itself holds: the starting parameters that differed from the step's scope
   * (a loop's carried values) and every parameter its steps set — returns of its tasks and
   * what its nested composites merged or reduced, even a value equal to the inherited one.
   */
  readonly own: Parameters;
}

/** A branch to run: its key (the last segment of its internal name), graph and starting scope. */
export interface BranchRequest {
  /** Last segment of the branch's internal name; may not contain `.`. */
  readonly key: string;
  /** The graph the branch walks (one of the node's {@link CompositeNodeType.subgraphs}). */
  readonly graph: GraphDef;
  /**
   * The scope the branch starts with. Only what differs from the step's own scope is stored
   * with the branch (a loop's carried values), never a copy of every parent parameter.
   */
  readonly parameters: Parameters;
  /** Map variables / loop indices added for this branch. */
  readonly iterVars?: IterVars;
}

/**
 * The branches of one composite step, as its `branches` phase declares them. Requests are
 * made lazily, one index at a time, so a map of 10,000 items never builds 10,000 at once.
 */
export interface BranchSet {
  /** How many branches (for a composite that is not fannable: at most this many). */
  readonly count: number;
  /**
   * The request for branch `index`. For a fannable composite every request is independent
   * (they may be asked for in any order, run concurrently or in other processes, and
   * `previous` is undefined). For a composite that is not fannable, request `index` is asked
   * for only after branch `index - 1` ended, with its outcome as `previous`, and may resolve to
   * `undefined` to stop (a loop's `break_on`, a failed iteration).
   */
  request(index: number, previous: BranchOutcome | undefined): BranchRequest | undefined | Promise<BranchRequest | undefined>;
}

/**
 * What a node type's phases get: the step, its scope and its log. One is made per step.
 * Read parameters through {@link StepContext.getParameters}; change the step log and the
 * engine writes it when the step ends.
 */
export interface StepContext {
  readonly node: NodeDef;
  /** Dot-path name of this step. */
  readonly internalName: string;
  /** Internal name of the branch holding this step ("" at the root): its parameter scope. */
  readonly scope: string;
  readonly iterVars: IterVars;
  readonly services: RunServices;
  /** The step log, created PROCESSING by the engine; set `message` to explain a FAIL. */
  readonly stepLog: StepLog;
  /** Writes the step log now (the engine writes it anyway when the step ends). */
  saveStepLog(): Promise<void>;
  /** Parameters of this step's scope. */
  getParameters(): Promise<Parameters>;
  /** Merges parameters into this step's scope. */
  setParameters(parameters: Parameters): Promise<void>;
  /**
   * Runs the attempts of this step as a task: its node's `command_type` names the task type;
   * retries, timeouts and the executor's task middleware apply (what the `task` node type does).
   */
  runTask(): Promise<Status>;
}

/** Facts a node type's definition-time check can use. */
export interface ValidateContext {
  /** True when a task type of that name is installed. */
  hasTaskType(name: string): boolean;
  /** Known task type names, for messages. */
  taskTypes(): string[];
}

/**
 * What every node type may declare. A node type is either a {@link LeafNodeType} (it runs
 * itself: task, stub, success, fail) or a {@link CompositeNodeType} (it declares branches and
 * how their outcomes merge: parallel, map, conditional, loop). The engine never looks at a
 * step's type name or its fields: it asks the node type.
 */
export interface NodeTypeBase {
  /** Checks the node's type-specific fields at definition time; problems, or []. */
  validate?(node: NodeDef, context: ValidateContext): string[];
}

/**
 * A node type that runs its step itself.
 * @example
 * ```ts
 * export const noteNode = definePlugin({
 *   kind: "node",
 *   name: "note",
 *   create: (): LeafNodeType => ({ execute: async (ctx) => { ctx.stepLog.message = String(ctx.node.text); return "SUCCESS"; } }),
 * });
 * ```
 */
export interface LeafNodeType extends NodeTypeBase {
  /** `success` / `fail` for the terminal types, which end their graph with that status. */
  readonly terminal?: "success" | "fail";
  /** The task type a step of this type runs through (`command_type`), if any: created and checked before the run. */
  taskType?(node: NodeDef): string | undefined;
  /**
   * Runs the step and resolves to its status (the engine records it). A rejection fails the
   * step with the error's message.
   */
  execute(context: StepContext): Promise<Status>;
  readonly branches?: never;
}

/**
 * A node type whose steps run branches (sub-graphs). It declares three phases and the engine
 * owns the rest: `branches` says what to run, the engine runs them (one at a time, a bounded
 * pool, or — for an orchestrator — as separate jobs between `runnable fan <step> out` and
 * `runnable fan <step> in`), and `merge` turns their outcomes into the step's status and
 * parameters. No phase runs a branch itself.
 * @example
 * ```ts
 * // Runs its one branch twice, "a" then "b"; succeeds when both do.
 * export const twiceNode = definePlugin({
 *   kind: "node",
 *   name: "twice",
 *   create: (): CompositeNodeType => ({
 *     fannable: true,
 *     subgraphs: (node) => ({ [DYNAMIC_BRANCH_KEY]: node.branch as GraphDef }),
 *     async branches(ctx) {
 *       const parameters = await ctx.getParameters();
 *       return { count: 2, request: (i) => ({ key: i === 0 ? "a" : "b", graph: ctx.node.branch as GraphDef, parameters }) };
 *     },
 *     async merge(_ctx, outcomes) { return outcomes.every((o) => o.status === "SUCCESS") ? "SUCCESS" : "FAIL"; },
 *   }),
 * });
 * ```
 */
export interface CompositeNodeType extends NodeTypeBase {
  /**
   * True when the branches are independent of each other (parallel, map, conditional): they
   * may run concurrently or as separate jobs (fan out / fan in). False when each branch
   * depends on the outcome of the one before (a loop): they run in order, in one process.
   */
  readonly fannable: boolean;
  /**
   * The node's sub-graphs by branch key, for definition checks, locating steps by internal
   * name and planning. A composite whose branch keys are only known at run time (map items,
   * loop indices) returns its graph under {@link DYNAMIC_BRANCH_KEY}.
   */
  subgraphs(node: NodeDef): Record<string, GraphDef>;
  /**
   * Phase 1: the branches to run, from the step's scope. A rejection fails the step with the
   * error's message (e.g. a map's `iterate_on` that is not a list). Called again on fan in, so
   * it must depend only on the scope and the node.
   */
  branches(context: StepContext): Promise<BranchSet>;
  /**
   * Phase 2: the step's status from its branches' outcomes, in request order — all `count` of
   * them for a fannable composite; for one that is not fannable, those that ran before a
   * request resolved to undefined. (A run cancelled meanwhile fails the step without
   * merging.) Merge or reduce
   * their parameters into the step's scope with `context.setParameters`. Set
   * `context.stepLog.message` to explain a FAIL.
   */
  merge(context: StepContext, outcomes: readonly BranchOutcome[]): Promise<Status>;
  readonly terminal?: never;
  readonly execute?: never;
}

/** A node type: how a step of that type is checked and run (see {@link LeafNodeType}, {@link CompositeNodeType}). */
export type NodeType = LeafNodeType | CompositeNodeType;

/** The sub-graph key of a composite whose branch keys are made at run time (map items, loop indices). */
export const DYNAMIC_BRANCH_KEY = "*";

/** True when `value` has the shape of a {@link GraphDef} (a `steps` object), for `subgraphs` of unchecked nodes. */
export function isGraphDef(value: unknown): value is GraphDef {
  return typeof value === "object" && value !== null && typeof (value as GraphDef).steps === "object" && (value as GraphDef).steps !== null;
}

/** The entries of a record that are graphs (a parallel's or conditional's `branches`); {} for anything else. */
export function graphsIn(value: unknown): Record<string, GraphDef> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, GraphDef] => isGraphDef(entry[1])));
}

/** True when the node type declares branches (a {@link CompositeNodeType}). */
export function isComposite(type: NodeType): type is CompositeNodeType {
  return typeof (type as CompositeNodeType).branches === "function";
}

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

/** A pipeline ready to run, handed to the pipeline executor. */
export interface PipelineRun {
  readonly runId: string;
  readonly graph: GraphDef;
  readonly services: RunServices;
  /** Walks the graph in this process with `policy` and resolves to the final status. */
  traverse(policy: TraversalPolicy): Promise<Status>;
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
  /** The command line (argv) that runs this job's attempts in a fresh process against this run. */
  jobCommand(): string[];
}
