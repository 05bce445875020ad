import type { GraphDef, NodeDef } from "./graph";
import type { Parameters, Status, StepLog } from "./run-log";
import type { IterVars, RunServices, StepKeys } from "./engine";
import type { Awaitable } from "./contracts";

// The contract of node types (step types): leaves run themselves, composites declare branches
// and how their outcomes merge; the engine's strategies do the rest.

/** Outcome of one branch of a composite step, as its `merge` phase sees it. */
export interface BranchOutcome {
  /** Internal name of the branch (`par.a`, `map_state.1`). */
  readonly internalName: string;
  readonly status: Status;
  /**
   * The branch's parameters when it ended: what it inherited overlaid with what it set. The
   * runtime makes it when first read (a getter, so a map of 10,000 iterations does not hold
   * 10,000 copies of its scope): read it, do not spread the outcome to copy it.
   */
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
   * Answers synchronously when everything the attempts did was synchronous; else a thenable
   * (with `catch` / `finally`): `await` it, or return it from `execute` (the engine then runs
   * the rest of the attempts inline). One that `execute` neither awaits nor returns goes on by
   * itself once `execute` has answered.
   */
  runTask(): Awaitable<Status>;
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
  /**
   * The keys a YAML step of this type may have besides the common ones (`type`, `next`,
   * `on_failure`, `overrides`), with their schemas. When declared, YAML steps of the type are
   * checked strictly (unknown keys are errors with a "did you mean", wrong types name the field
   * and the expected type); a type that declares none accepts any key. The built-in types'
   * keys are the YAML format's (SPEC §4.2); a plugin's keys extend them.
   */
  readonly stepKeys?: StepKeys;
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
   * Runs the step and resolves to its status (the engine records it); may answer synchronously.
   * A rejection (or a throw) fails the step with the error's message.
   */
  execute(context: StepContext): Awaitable<Status>;
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
