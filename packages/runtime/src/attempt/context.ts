import {
  EMPTY_LIST,
  EMPTY_RECORD,
  isPromiseLike,
  isRunnableError,
  type Awaitable,
  type CodeIdentity,
  type DataCatalogEntry,
  type IterVars,
  type Parameters,
  type RunServices,
  type StepLog,
  type TaskNodeDef,
  type TaskType,
} from "@runnable-ts/sdk";
import type { Co } from "../co";
import { redact, thrownMessage } from "../redact";
import { ExecutionLog } from "./execution-log";

/** What one attempt of a task needs from the traversal. */
export interface AttemptRequest {
  node: TaskNodeDef;
  internalName: string;
  iterVars: IterVars;
  attemptNumber: number;
  stepLog: StepLog;
  services: RunServices;
  taskType: TaskType;
  getParameters(): Awaitable<Parameters>;
  setParameters(parameters: Parameters): Awaitable<void>;
  codeIdentities(): CodeIdentity[] | Promise<CodeIdentity[]>;
  /**
   * How console output is captured: `"off"` sends the task's `console.*` output to the terminal
   * (ctx.log and shell output are still captured). Any other value captures it per task.
   */
  concurrent: boolean | "off";
  /** `aborted` once the run is cancelled: a plain flag, cheaper to read than `services.signal.aborted` (see `Traversal.cancel`). Default: the signal. */
  cancel?: { readonly aborted: boolean };
  /** False for a job's attempts: a job cannot be suspended (it has no resume). */
  suspendable?: boolean;
  /** Set when this attempt resumes a suspended step: `ctx.resumeData` of the task. */
  resume?: { data: unknown } | undefined;
}

/**
 * The state of one attempt, passed through its stages: each stage reads what the outer ones
 * set up and leaves what the inner ones need (parameters → values, secrets, validated params;
 * invoke → returned values; returns → output parameters).
 */
export class AttemptContext {
  status: "SUCCESS" | "FAIL" | "SUSPENDED" = "FAIL";
  /** What a failed attempt threw (its name and code), for the retry policy's `retry_on`. */
  error: { name: string; code?: string } | undefined;
  /** Set when a step cache hit stood in for the task: the run the result came from. */
  cached: { from: string } | undefined;
  /** Set when the task called `ctx.suspend(payload)`. */
  suspension: { payload: unknown } | undefined;
  message = "";
  // Fields a stage replaces, or fills for few tasks, start as one shared empty object or list:
  // 1,000 attempts in flight would otherwise hold ten empty objects each.
  /** Parameters in scope with their kinds, map variables / loop indices included (as json). */
  available: Parameters = EMPTY_RECORD;
  /** Plain values of `available` (pickled ones loaded). */
  values: Record<string, unknown> = EMPTY_RECORD;
  /** What the task receives as its parameters object (validated by the input schema, if any). */
  params: Record<string, unknown> = EMPTY_RECORD;
  /** Names of the parameters the task read: they become the attempt's `input_parameters`. */
  readonly used = new Set<string>();
  /** The secrets the task listed, by name (see `addSecret`). */
  secrets: Readonly<Record<string, string>> = EMPTY_RECORD;
  /** Secret values, for masking (empty for most tasks). */
  secretValues: readonly string[] = EMPTY_LIST;
  /** What the task type's `execute` resolved to, by return name. */
  returned: Record<string, unknown> = EMPTY_RECORD;
  /** The output parameters (see `returns-stage.ts`). */
  outputs: Parameters = EMPTY_RECORD;
  /** The metrics the task recorded (see `addMetric`). */
  metrics: Readonly<Record<string, unknown>> = EMPTY_RECORD;
  getEntries: readonly DataCatalogEntry[] = EMPTY_LIST;
  putEntries: readonly DataCatalogEntry[] = EMPTY_LIST;
  readonly log = new ExecutionLog();
  readonly start: string;

  constructor(
    readonly req: AttemptRequest,
    start: string,
  ) {
    this.start = start;
  }

  get services(): RunServices {
    return this.req.services;
  }

  get node(): TaskNodeDef {
    return this.req.node;
  }

  /** Records `secrets` for the task and for masking everything written about it. */
  addSecret(name: string, value: string): void {
    if (this.secrets === EMPTY_RECORD) this.secrets = {};
    (this.secrets as Record<string, string>)[name] = value;
    if (value.length > 0) {
      if (this.secretValues === EMPTY_LIST) this.secretValues = [];
      (this.secretValues as string[]).push(value);
      this.log.mask(this.secretValues);
    }
  }

  /** Records metrics of the attempt (its `user_defined_metrics`). */
  addMetrics(metrics: Readonly<Record<string, unknown>>): void {
    if (this.metrics === EMPTY_RECORD) this.metrics = {};
    Object.assign(this.metrics, metrics);
  }

  /** The attempt's outputs, as its record keeps them (the shared `EMPTY_RECORD` for none). */
  ownOutputs(): Parameters {
    return this.outputs;
  }

  /** The attempt's metrics, as its record keeps them (the shared `EMPTY_RECORD` for none). */
  ownMetrics(): Record<string, unknown> {
    return this.metrics as Record<string, unknown>;
  }

  /** Masks this attempt's secret values in `text`. */
  mask(text: string): string {
    return this.secretValues.length === 0 ? text : redact(text, this.secretValues);
  }

  /**
   * Fails the attempt with what was thrown (any value: `throw undefined` is a failure too). The
   * message and, for unexpected errors, the stack go to the execution log.
   */
  fail(thrown: unknown, prefix = ""): void {
    this.status = "FAIL";
    this.error = errorIdentity(thrown);
    this.message = this.mask(`${prefix}${thrownMessage(thrown)}`);
    this.log.write(`ERROR: ${this.message}`);
    // A coded error is the framework saying what went wrong (no stack needed); anything else
    // came from the task's code, where the stack says where.
    if (thrown instanceof Error && thrown.stack && !isRunnableError(thrown)) this.log.write(thrown.stack);
  }
}

/** What a stage's `before` answers to stand in for the task (a step cache hit): see {@link Stage}. */
export const SKIP_TASK: unique symbol = Symbol("skip the task");

/**
 * One part of what an attempt does, as hooks around the task (rollup's hook kinds; the
 * before / after halves of a koa-style `(ctx, next)` middleware, without its nesting). A hook
 * that has nothing to do for the node answers at once; one that waits answers a promise. A
 * stage needs no coroutine of its own: an attempt in flight is one suspended coroutine, however
 * many stages it has (see {@link runStages}).
 */
export interface Stage {
  /**
   * Before the task, outermost stage first: prepares what the inner stages and the task need.
   * A throw (or rejection) fails the attempt: the task does not run, no `after` runs. Answering
   * {@link SKIP_TASK} stands in for the task: it and the stages after this one are skipped.
   */
  before?(ctx: AttemptContext): Awaitable<void | typeof SKIP_TASK>;
  /** After the task succeeded, innermost first (stages whose `before` stood in for the task, and those inside it, excepted). A throw fails the attempt. */
  after?(ctx: AttemptContext): Awaitable<void>;
  /**
   * Once the attempt's outcome is known (SUCCESS, FAIL or SUSPENDED), innermost first, every
   * stage whatever happened before: may change the outcome (`ctx.fail`). A throw fails the
   * attempt; the other stages' `end` still run.
   */
  end?(ctx: AttemptContext): Awaitable<void>;
}

/**
 * `stages` as {@link runStages} reads them best: every one with the same three fields (absent
 * hooks undefined), so that reading a hook is one shape's load, not a lookup over as many shapes
 * as there are stages.
 */
export function stageList(stages: readonly Stage[]): readonly Stage[] {
  return stages.map((stage) => ({ before: stage.before, after: stage.after, end: stage.end }));
}

/** The task of an attempt, inside its stages: what it returned (by return name), if anything. */
export type AttemptTask = (ctx: AttemptContext) => Record<string, unknown> | undefined | PromiseLike<Record<string, unknown> | undefined>;

/**
 * Runs an attempt: the stages' `before` hooks, outermost first; the task; their `after` hooks,
 * innermost first; then — the attempt's outcome known — their `end` hooks, innermost first, and
 * `result`. Whatever the `before` and `after` hooks or the task throw, any value (`undefined`
 * included), becomes a FAIL with a message; the attempt is SUCCESS when they complete, and
 * SUSPENDED when the task called `ctx.suspend()` however they ended (the task may have caught
 * the rejection `suspend()` ends it with, and returned).
 *
 * One coroutine (see `co.ts`): it runs to its end within the call when nothing waits (a plain
 * function's attempt on an in-memory store spends no promise), and while the task is in flight
 * it is the attempt's one suspended frame.
 */
export function* runStages<T>(ctx: AttemptContext, stages: readonly Stage[], task: AttemptTask, result: (ctx: AttemptContext) => Awaitable<T>): Co<T> {
  try {
    let reached = 0;
    let skipped = false;
    for (; reached < stages.length; reached++) {
      const before = stages[reached]!.before;
      if (!before) continue;
      const done = before(ctx);
      if ((isPromiseLike(done) ? yield done : done) === SKIP_TASK) {
        skipped = true;
        break;
      }
    }
    if (!skipped) {
      const returned = task(ctx);
      ctx.returned = ((isPromiseLike(returned) ? yield returned : returned) as Record<string, unknown> | undefined) ?? {};
    }
    for (let i = reached - 1; i >= 0; i--) {
      const after = stages[i]!.after;
      if (!after) continue;
      const done = after(ctx);
      if (isPromiseLike(done)) yield done;
    }
    if (!ctx.suspension) ctx.status = "SUCCESS";
  } catch (thrown) {
    if (!ctx.suspension) ctx.fail(thrown);
  }
  if (ctx.suspension) endSuspended(ctx);
  for (let i = stages.length - 1; i >= 0; i--) {
    const end = stages[i]!.end;
    if (!end) continue;
    try {
      const done = end(ctx);
      if (isPromiseLike(done)) yield done;
    } catch (thrown) {
      ctx.fail(thrown);
    }
  }
  const value = result(ctx);
  return isPromiseLike(value) ? ((yield value) as T) : value;
}

/**
 * Ends an attempt whose task called `ctx.suspend()`: SUSPENDED with its payload, its returns
 * not stored.
 */
function endSuspended(ctx: AttemptContext): void {
  ctx.status = "SUSPENDED";
  ctx.message = "suspended: waiting for runnable resume";
  ctx.returned = {};
  ctx.outputs = {};
}

function errorIdentity(thrown: unknown): { name: string; code?: string } {
  if (typeof thrown !== "object" || thrown === null) return { name: typeof thrown };
  const { name, code } = thrown as { name?: unknown; code?: unknown };
  return { name: typeof name === "string" ? name : "Error", ...(typeof code === "string" ? { code } : {}) };
}
