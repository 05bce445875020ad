import { RunnableError, type TaskInvocation } from "@runnable-ts/sdk";
import { enterTask, hostCall, leaveTask, type TaskSink } from "../capture";
import { maskDeep, messageOf, preview, thrownMessage } from "../redact";
import type { AttemptContext, Stage } from "./context";
import { SuspendedSignal } from "./suspend-stage";
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
  fail: ((reason: unknown) => void) | undefined;

  constructor(
    private readonly ctx: AttemptContext,
    private readonly onOutput: ((text: string) => void) | undefined,
  ) {}

  get step(): string {
    return this.ctx.req.internalName;
  }

  write(line: string): void {
    this.ctx.log.write(line);
    this.onOutput?.(line);
  }

  rejected(reason: unknown): void {
    this.fail?.(
      new RunnableError("E_UNHANDLED_REJECTION", `a promise the task created was rejected and never handled: ${thrownMessage(reason)}`, { step: this.step }, { cause: reason }),
    );
  }

  mask(text: string): string {
    return this.ctx.mask(text);
  }
}

/**
 * Innermost: calls the task type with the parameters object (reads recorded), the listed
 * secrets and a signal aborted on timeout (`E_TIMEOUT`) or when the run is cancelled
 * (`E_CANCELLED`). The task's code runs in its own async context (see {@link enterTask}): what it
 * prints is its execution log, events it emits are masked and delivered outside that context (a
 * listener's own console output stays the host's).
 */
export const invokeStage: Stage = (ctx) => {
  const { req, services, node } = ctx;
  const step = req.internalName;
  // The preview reads the values directly, not through the tracking proxy: what an attempt
  // records as its inputs must not depend on whether anyone listens to events.
  if (services.observed) void services.emit({ type: "task_started", step, attempt: req.attemptNumber, inputs: ctx.mask(preview(ctx.params)) });
  const onOutput = services.observed ? outputEvents(ctx) : undefined;
  // Without a timeout the task shares the run's signal (no controller per attempt); with one,
  // its own controller follows the run's signal and the timer.
  let signal = services.signal;
  let timer: NodeJS.Timeout | undefined;
  let onRunAbort: (() => void) | undefined;
  if (node.timeout_ms !== undefined) {
    const ms = node.timeout_ms;
    const controller = new AbortController();
    onRunAbort = (): void => controller.abort(services.signal.reason);
    if (services.signal.aborted) onRunAbort();
    services.signal.addEventListener("abort", onRunAbort, { once: true });
    timer = setTimeout(() => controller.abort(new TimeoutError(ms)), ms);
    signal = controller.signal;
  }
  const used = ctx.used;
  const available = ctx.available;
  const secrets = ctx.secretValues;
  const invocation: TaskInvocation = {
    node,
    params: trackUse(ctx.params, used),
    get parameters() {
      for (const key in available) used.add(key);
      return available;
    },
    iterVars: req.iterVars,
    secrets: ctx.secrets,
    runId: services.runId,
    stepName: step,
    attempt: req.attemptNumber,
    cwd: services.cwd,
    signal,
    emit: (event) => hostCall(() => services.emitFrom(step, secrets.length > 0 ? maskDeep(event, secrets) : event)),
    log: (text) => {
      ctx.log.write(text);
      onOutput?.(text);
    },
    loadExport: (ref) => services.loadExport(ref),
    suspend: (payload) => {
      if (req.suspendable === false)
        return Promise.reject(new RunnableError("E_SUSPEND_UNSUPPORTED", `${step}: a job cannot be suspended (it has no resume); make it a pipeline step to use ctx.suspend()`, { step }));
      ctx.suspension ??= { payload: payload === undefined ? null : ctx.secretValues.length > 0 ? maskDeep(payload, ctx.secretValues) : payload };
      return Promise.reject(new SuspendedSignal(step));
    },
    resumeData: req.resume?.data,
  };
  const record = req.concurrent === "off" ? undefined : new TaskRecord(ctx, onOutput);
  let running: Promise<Record<string, unknown>>;
  if (record) running = enterTask(record, () => req.taskType.execute(invocation));
  else {
    try {
      running = req.taskType.execute(invocation);
    } catch (thrown) {
      running = Promise.reject(thrown);
    }
  }
  const cleanUp = (): void => {
    if (timer) clearTimeout(timer);
    if (onRunAbort) services.signal.removeEventListener("abort", onRunAbort);
    if (record) leaveTask(record);
  };
  return settle(running, signal, record).then(
    (returned) => {
      cleanUp();
      ctx.returned = returned ?? {};
    },
    (thrown: unknown) => {
      cleanUp();
      throw thrown;
    },
  );
};

function abortReason(signal: AbortSignal): unknown {
  if (signal.reason instanceof TimeoutError) return signal.reason;
  return new RunnableError("E_CANCELLED", `cancelled: ${messageOf(signal.reason ?? "the run was cancelled")}`, {});
}

/**
 * `running`'s outcome, or a rejection as soon as `signal` aborts (a task that ignores its
 * signal is left behind, its outcome ignored) or the task leaves a promise rejected and
 * unhandled. The abort listener is removed when the task settles, so nothing accumulates on the
 * run's signal over thousands of attempts.
 */
function settle<T>(running: Promise<T>, signal: AbortSignal, record: TaskRecord | undefined): Promise<T> {
  if (signal.aborted) {
    running.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      if (record) record.closed = true;
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (record) record.fail = reject;
    running.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (record) record.closed = true;
        resolve(value);
      },
      (thrown: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (record) record.closed = true;
        reject(thrown);
      },
    );
  });
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
