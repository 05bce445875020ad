/*
 * The graph of a pipeline as a plan: what a compiler that runs each step as a job of its own
 * (Argo) needs. Made by the runtime's `planOf` from what the node types declare; handed to
 * pipeline executors as `PipelineRun.plan()`.
 */

/** Placeholder for the run id in a plan's commands. */
export const PLAN_RUN_ID = "<run_id>";
/** Placeholder for the pipeline definition file in a plan's commands. */
export const PLAN_DEFINITION = "<definition>";

/** Which command of the `runnable` CLI a plan step needs. */
export type PlanCommandKind = "run" | "fan-out" | "fan-in";

/**
 * Makes the argv of a command for a step. The default gives `runnable` CLI argv with
 * {@link PLAN_RUN_ID} and {@link PLAN_DEFINITION} placeholders; a compiler passes its own
 * (its image's executable, its workflow's parameters). A step inside a branch also needs the
 * branch's map variables / loop indices (`--iter-variable JSON`), which only the run knows.
 */
export type PlanCommandFactory = (kind: PlanCommandKind, internalName: string) => string[];

/** The commands that carry out a step: run it, or fan its branches out and in. */
export interface PlanCommands {
  /** Runs the whole step in one process (`runnable execute-single-node`); every step has it. */
  readonly run: readonly string[];
  /** Fannable composites: creates the branch logs and prints the branches to run (`runnable fan … out`). */
  readonly fanOut?: readonly string[];
  /** Fannable composites: merges the branches' outcomes once all have finished (`runnable fan … in`). */
  readonly fanIn?: readonly string[];
}

/** One step of a plan. */
export interface PlanStep {
  readonly name: string;
  /**
   * Dot-path name of the step; a branch key made at run time (a map item, a loop index) is
   * `*` (`DYNAMIC_BRANCH_KEY`), to be replaced by the actual key.
   */
  readonly internalName: string;
  /** Node type name (for display; a plan's reader never needs to switch on it). */
  readonly type: string;
  readonly composite: boolean;
  /** `success` / `fail` for a terminal step, which ends its graph with that status. */
  readonly terminal?: "success" | "fail";
  /** The task type a leaf step runs through, if any. */
  readonly taskType?: string;
  /** Composites: true when the branches are independent (fan out / fan in possible). */
  readonly fannable?: boolean;
  /** Composites: their sub-graphs by branch key (`*`: one graph, keys made at run time). */
  readonly subgraphs?: Readonly<Record<string, PlanGraph>>;
  /** Next step on success (in the same graph); absent on terminal steps. */
  readonly next?: string;
  /** Step to go to on failure (in the same graph); absent: the graph's fail step. */
  readonly onFailure?: string;
  /** The graph's step a failure routes to when the step has no `onFailure`. */
  readonly failStep?: string;
  readonly commands: PlanCommands;
}

/** A graph of a plan: the root pipeline or a branch. */
export interface PlanGraph {
  /** Internal name of the branch ("" for the root; `*` for keys made at run time). */
  readonly branch: string;
  readonly startAt: string;
  /** Steps by name, with the implicit `success` / `fail` steps. */
  readonly steps: Readonly<Record<string, PlanStep>>;
}
