import type { RetryPolicy } from "./retry-policy";
import type { z } from "zod";

/** How a returned value is stored: as JSON, as a metric, or pickled into the catalog. */
export type ReturnKind = "json" | "metric" | "object";

/** One named return of a task. */
export interface ReturnSpec {
  readonly name: string;
  readonly kind: ReturnKind;
}

/** Catalog settings of a step: files to fetch before it and to store after it. */
export interface CatalogSpec {
  readonly get: readonly string[];
  readonly put: readonly string[];
  /** When false, `put` records hashes without copying. Default true. */
  readonly store_copy: boolean;
}

/**
 * A function a task runs: receives every parameter in scope (plus map variable / loop index)
 * as one object, and a context.
 */
export type TaskFunction<P = never> = (params: P, context: TaskContext) => unknown;

/** The second argument of a task function. */
export interface TaskContext {
  readonly runId: string;
  /** Internal (dot-path) name of the step. */
  readonly stepName: string;
  readonly attempt: number;
  /** Aborted on timeout or cancellation of the run. */
  readonly signal: AbortSignal;
  /** The secrets this task listed, by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Emits an event to the run's event stream (an object with a `type`); await it to let a slow consumer set the pace. */
  emit(event: { type: string; [key: string]: unknown }): void | Promise<void>;
  /** Writes a line to the task's execution log. */
  log(...args: unknown[]): void;
  /**
   * Suspends the run (human in the loop): the attempt ends SUSPENDED with `payload` recorded,
   * nothing that depends on this step starts, and the run ends SUSPENDED once the other
   * branches finish. `runnable resume <run_id>` (or `pipeline.resume(runId, { data })`) runs the
   * step again as a new attempt with {@link resumeData}. The promise never resolves: it rejects
   * to end the task (return or rethrow; catching it does not cancel the suspension).
   * @example
   * if (ctx.resumeData === undefined) await ctx.suspend({ question: "approve?" });
   */
  suspend(payload?: unknown): Promise<never>;
  /** The data the resume of a suspended step gave it: `undefined` in a first attempt, `null` for a resume without data. */
  readonly resumeData: unknown;
}

/**
 * One step of a graph. Common fields are typed; fields of a particular node type (task,
 * map, …) live beside them and are validated by that node type's plugin.
 */
export interface NodeDef {
  /** Node type plugin name: task, stub, parallel, map, conditional, loop, success, fail, … */
  readonly type: string;
  /** Name within its graph (no `.`). */
  readonly name: string;
  /** Next step on success (absent on terminal steps). */
  readonly next?: string;
  /** Step to go to on failure, in the same graph (else the graph's `fail` step). */
  readonly on_failure?: string;
  readonly [field: string]: unknown;
}

/** A graph of steps: the root pipeline or a branch of a composite step. */
export interface GraphDef {
  readonly start_at: string;
  readonly description?: string;
  readonly steps: Readonly<Record<string, NodeDef>>;
}

/** Fields of a `task` node. */
export interface TaskNodeFields {
  /** Task type plugin name (`function`, `async-function`, `shell`, …). */
  readonly command_type: string;
  /** `<module>#<export>` (YAML), the function itself (SDK), or shell text. */
  readonly command: string | TaskFunction;
  readonly returns: readonly ReturnSpec[];
  readonly secrets: readonly string[];
  readonly catalog?: CatalogSpec;
  readonly max_attempts: number;
  readonly retry_delay_ms: number;
  /** Backoff, jitter and which errors to retry (see {@link RetryPolicy}). */
  readonly retry?: RetryPolicy;
  readonly timeout_ms?: number;
  readonly overrides: Readonly<Record<string, string>>;
  /** zod schema validating/coercing the function's parameters object. */
  readonly input?: z.ZodType;
  /** For generator tasks: the event type that carries the return value. */
  readonly stream_end_type: string;
}

/** A task node as the engine sees it. */
export type TaskNodeDef = NodeDef & TaskNodeFields;
