import { isPromiseLike, RunnableError, type Awaitable, type Parameters, type TaskInvocation } from "@runnable-ts/sdk";
import { callTaskSync, enterTask, hostCall, leaveTask, type TaskSink } from "../capture";
import { maskDeep, messageOf, preview, thrownMessage } from "../redact";
import { Pending } from "../co";
import type { AttemptContext, AttemptTask } from "./context";
import { SuspendedSignal } from "./suspension";
import { trackUse } from "./track-use";

/** The reason of an attempt that ran longer than its `timeout_ms` (its signal's reason too). */
export class TimeoutError extends RunnableError {
  constructor(readonly timeoutMs: number) {
    super("E_TIMEOUT", `timed out after ${timeoutMs} ms`, { timeoutMs });
    this.name = "TimeoutError";
  }
}

/**
 * The task's own async context: its console lines go to its execution log, and a promise it
 * creates and leaves rejected fails it while it runs (after that, a warning).
 */
class TaskRecord implements TaskSink {
  readonly console = true;
  closed = false;
  /** The call waiting for the task's outcome (a stray rejection ends it). */
  call: TaskCall | undefined;

  constructor(
    private readonly ctx: AttemptContext,
    private readonly wantsOutput: boolean,
  ) {}

  get step(): string {
    return this.ctx.req.internalName;
  }

  write(line: string): void {
    this.ctx.log.write(line);
    if (this.wantsOutput) taskOutput(this.ctx, line);
  }

  rejected(reason: unknown): void {
    this.call?.failed(
      new RunnableError("E_UNHANDLED_REJECTION", `a promise the task created was rejected and never handled: ${thrownMessage(reason)}`, { step: this.step }, { cause: reason }),
    );
  }

  mask(text: string): string {
    return this.ctx.mask(text);
  }
}

/**
 * What the task type receives: one object per attempt. Its functions are made when read (a
 * task type that destructures `emit` gets a working function), not for every attempt.
 */
class Invocation implements TaskInvocation {
  readonly node: AttemptContext["node"];
  readonly params: Record<string, unknown>;
  readonly iterVars: AttemptContext["req"]["iterVars"];
  readonly secrets: Record<string, string>;
  readonly runId: string;
  readonly stepName: string;
  readonly attempt: number;
  readonly cwd: string;
  readonly resumeData: unknown;

  constructor(
    private readonly ctx: AttemptContext,
    readonly signal: AbortSignal,
    private readonly wantsOutput: boolean,
  ) {
    const { req, services } = ctx;
    this.node = ctx.node;
    this.params = trackUse(ctx.params, ctx.used);
    this.iterVars = req.iterVars;
    this.secrets = ctx.secrets;
    this.runId = services.runId;
    this.stepName = req.internalName;
    this.attempt = req.attemptNumber;
    this.cwd = services.cwd;
    this.resumeData = req.resume?.data;
  }

  get parameters(): Parameters {
    const { available, used } = this.ctx;
    for (const key in available) used.add(key);
    return available;
  }

  get emit(): TaskInvocation["emit"] {
    const { ctx, stepName } = this;
    const secrets = ctx.secretValues;
    return (event) => hostCall(() => ctx.services.emitFrom(stepName, secrets.length > 0 ? maskDeep(event, secrets) : event));
  }

  get log(): TaskInvocation["log"] {
    const { ctx, wantsOutput } = this;
    return (text) => {
      ctx.log.write(text);
      if (wantsOutput) taskOutput(ctx, text);
    };
  }

  get loadExport(): TaskInvocation["loadExport"] {
    const services = this.ctx.services;
    return (ref) => services.loadExport(ref);
  }

  get suspend(): NonNullable<TaskInvocation["suspend"]> {
    const { ctx, stepName: step } = this;
    return (payload) => {
      if (ctx.req.suspendable === false)
        return Promise.reject(new RunnableError("E_SUSPEND_UNSUPPORTED", `${step}: a job cannot be suspended (it has no resume); make it a pipeline step to use ctx.suspend()`, { step }));
      ctx.suspension ??= { payload: payload === undefined ? null : ctx.secretValues.length > 0 ? maskDeep(payload, ctx.secretValues) : payload };
      return Promise.reject(new SuspendedSignal(step));
    };
  }
}

/**
 * The task of an attempt, inside its stages: calls the task type with the parameters object (reads recorded), the listed
 * secrets and a signal aborted on timeout (`E_TIMEOUT`) or when the run is cancelled
 * (`E_CANCELLED`). The task's code runs in its own async context (see {@link enterTask}): what it
 * prints is its execution log, events it emits are masked and delivered outside that context (a
 * listener's own console output stays the host's).
 */
export const invokeTask: AttemptTask = (ctx) => {
  const { req, services, node } = ctx;
  const step = req.internalName;
  // The preview reads the values directly, not through the tracking proxy: what an attempt
  // records as its inputs must not depend on whether anyone listens to events.
  const detail = services.detail;
  if (services.observed && detail?.tasks !== false) {
    void services.emit(
      detail?.previews === false ? { type: "task_started", step, attempt: req.attemptNumber } : { type: "task_started", step, attempt: req.attemptNumber, inputs: ctx.mask(preview(ctx.params)) },
    );
  }
  const wantsOutput = services.observed && detail?.output !== false;
  // Without a timeout the task shares the run's signal (no controller per attempt); with one,
  // its own controller follows the run's signal and the timer.
  let signal = services.signal;
  let timeout: Timeout | undefined;
  if (node.timeout_ms !== undefined) {
    const ms = node.timeout_ms;
    const controller = new AbortController();
    if (services.signal.aborted) controller.abort(services.signal.reason);
    const follower = { aborted: () => controller.abort(services.signal.reason) };
    const followed = onAbort(services.signal, follower);
    timeout = { timer: setTimeout(() => controller.abort(new TimeoutError(ms)), ms), stopFollowing: () => void followed.delete(follower) };
    signal = controller.signal;
  }
  const invocation = new Invocation(ctx, signal, wantsOutput);
  const record = req.concurrent === "off" ? undefined : new TaskRecord(ctx, wantsOutput);
  // Synchronous task code is attributed while it runs; anything else gets an async context.
  const inContext = record !== undefined && req.taskType.runsSynchronously?.(node) !== true;
  const call = new TaskCall(record, inContext, timeout, signal);
  let running: Awaitable<Record<string, unknown>>;
  try {
    if (record && !inContext) running = callTaskSync(record, () => req.taskType.execute(invocation));
    else if (record) running = enterTask(record, () => req.taskType.execute(invocation));
    else running = req.taskType.execute(invocation);
  } catch (thrown) {
    call.done();
    throw thrown;
  }
  const aborted = cancelled(ctx, timeout !== undefined, signal);
  if (!isPromiseLike(running)) {
    // The task answered within the call: nothing to wait for (its outcome stands unless the
    // run was cancelled meanwhile).
    call.done();
    if (aborted) throw abortReason(signal);
    return running;
  }
  return call.outcome(Promise.resolve(running), aborted);
};

/** Something to tell when a signal aborts. */
interface AbortWaiter {
  aborted(): void;
}

/** What waits for a signal's abort, by signal: one listener per signal, not one per attempt. */
const waiting = new WeakMap<AbortSignal, Set<AbortWaiter>>();

/**
 * Tells `waiter` once when `signal` aborts; answers the set it is in (delete it from there to
 * stop waiting). Thousands of attempts waiting on the run's signal cost a set entry each, not an
 * event listener each (adding and removing a listener costs more than a step's own work).
 */
function onAbort(signal: AbortSignal, waiter: AbortWaiter): Set<AbortWaiter> {
  let set = waiting.get(signal);
  if (!set) {
    const waiters = (set = new Set());
    waiting.set(signal, waiters);
    signal.addEventListener("abort", () => {
      for (const w of [...waiters]) w.aborted();
      waiters.clear();
    }, { once: true });
  }
  set.add(waiter);
  return set;
}

/** An attempt's own timeout: its timer, and its controller's following of the run's signal. */
interface Timeout {
  timer: NodeJS.Timeout;
  stopFollowing: () => void;
}

/**
 * One call of a task: what ends it (its console capture, its timeout) and, for a task that did
 * not answer at once, its outcome, which the attempt's coroutine waits on (a {@link Pending}: the
 * task's answer resumes it directly, no promise in between) — one object per attempt whose
 * methods do what closures per attempt did (1,000 attempts in flight hold one each).
 */
class TaskCall extends Pending<Record<string, unknown>> implements AbortWaiter {
  private open = true;
  private waiters: Set<AbortWaiter> | undefined;

  constructor(
    private readonly record: TaskRecord | undefined,
    private readonly inContext: boolean,
    private readonly timeout: Timeout | undefined,
    private readonly signal: AbortSignal,
  ) {
    super();
  }

  /** Ends the task's capture and its timeout (once: the task answered, threw, or the wait ended). */
  done(): void {
    if (this.timeout) {
      clearTimeout(this.timeout.timer);
      this.timeout.stopFollowing();
    }
    if (this.record && this.inContext) leaveTask(this.record);
    else if (this.record) this.record.closed = true;
  }

  /**
   * `running`'s outcome, or a failure as soon as the signal aborts (a task that ignores its
   * signal is left behind, its outcome ignored) or the task leaves a promise rejected and
   * unhandled. Whichever comes first settles the attempt and cleans up, once; the task's own
   * outcome still closes its record when it comes. Nothing is left waiting on the run's signal.
   */
  outcome(running: Promise<Record<string, unknown>>, aborted: boolean): PromiseLike<Record<string, unknown>> {
    if (aborted) {
      running.catch(() => undefined);
      this.done();
      return Promise.reject(abortReason(this.signal));
    }
    this.waiters = onAbort(this.signal, this);
    if (this.record) this.record.call = this;
    running.then(
      (value) => this.answered(false, value),
      (thrown: unknown) => this.answered(true, thrown),
    );
    return this;
  }

  /** The signal aborted. */
  aborted(): void {
    if (this.record) this.record.closed = true;
    this.end(true, abortReason(this.signal), true);
  }

  /** A promise the task created was rejected and nobody handled it. */
  failed(reason: unknown): void {
    this.end(true, reason, true);
  }

  private answered(threw: boolean, value: unknown): void {
    if (this.record) this.record.closed = true;
    this.end(threw, value, false);
  }

  /**
   * Cleans up and settles the outcome, once. From the task's answer (a promise reaction) the
   * attempt goes on at once; from an abort or a stray rejection — someone else's call — in a
   * microtask of the host's context.
   */
  private end(rejected: boolean, value: unknown, later: boolean): void {
    if (!this.open) return;
    this.open = false;
    this.waiters?.delete(this);
    this.done();
    if (later) hostCall(() => queueMicrotask(() => this.settle(rejected, value)));
    else this.settle(rejected, value);
  }
}

/** True once the attempt's signal aborted: the run's flag when the attempt shares the run's signal (no timeout of its own). */
function cancelled(ctx: AttemptContext, ownSignal: boolean, signal: AbortSignal): boolean {
  const flag = ctx.req.cancel;
  return ownSignal || !flag ? signal.aborted : flag.aborted;
}

function abortReason(signal: AbortSignal): unknown {
  if (signal.reason instanceof TimeoutError) return signal.reason;
  return new RunnableError("E_CANCELLED", `cancelled: ${messageOf(signal.reason ?? "the run was cancelled")}`, {});
}

/** Senders of `task_output` events, by attempt: made when a task first prints, not for every attempt. */
const senders = new WeakMap<AttemptContext, (text: string) => void>();

function taskOutput(ctx: AttemptContext, text: string): void {
  let send = senders.get(ctx);
  if (!send) senders.set(ctx, (send = outputEvents(ctx)));
  send(text);
}

/**
 * Emits the last line of each piece of a task's output as a `task_output` event (secrets
 * masked), outside the task's context. Output cannot wait for a slow consumer (console.log is
 * synchronous): while the consumer is behind, lines are coalesced into the latest one instead of
 * queueing without bound.
 */
function outputEvents(ctx: AttemptContext): (text: string) => void {
  const { services, internalName: step, attemptNumber: attempt } = ctx.req;
  let waiting = false;
  let latest: string | undefined;
  const send = (line: string): void => {
    const accepted = hostCall(() => services.emit({ type: "task_output", step, attempt, line: ctx.mask(line.slice(0, 512)) }));
    if (!accepted) return;
    waiting = true;
    void accepted.then(() => {
      waiting = false;
      const next = latest;
      latest = undefined;
      if (next !== undefined) send(next);
    });
  };
  return (text) => {
    const lines = text.split("\n");
    let line = "";
    for (let i = lines.length - 1; i >= 0 && !line; i--) line = lines[i]!.trim();
    if (!line) return;
    if (waiting) latest = line;
    else send(line);
  };
}
