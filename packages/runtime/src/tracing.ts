import type * as OTel from "@opentelemetry/api";

type Api = typeof OTel;

/** A lifecycle event as the run emits it (see `RunServices.emit`). */
export type LifecycleEvent = { readonly type: string; readonly step: string; readonly [field: string]: unknown };
let api: Api | null | undefined;

/**
 * True when a tracer provider is registered with `@opentelemetry/api` 1.x: the API keeps its
 * registrations on this global, so it is known without loading the API's 44 files (a process
 * that records no spans does not pay for them).
 */
function providerRegistered(): boolean {
  const registry = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[Symbol.for("opentelemetry.js.api.1")];
  return registry?.trace !== undefined;
}

/** `@opentelemetry/api` when installed (an optional peer dependency), else null; loaded once. */
function loadApi(): Api | null {
  if (api === undefined) {
    try {
      api = require("@opentelemetry/api") as Api;
    } catch {
      api = null;
    }
  }
  return api;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The span context a W3C `traceparent` value names, or undefined when it is not one. */
function parseTraceparent(value: string | undefined): OTel.SpanContext | undefined {
  const m = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  if (!m || m[1] === "ff" || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & 1, isRemote: true };
}

const traceparentOf = (context: OTel.SpanContext): string => `00-${context.traceId}-${context.spanId}-0${context.traceFlags & 1}`;

/** The composite step that owns a step (`map` for `map.1.task`), or "" for a root step. */
function ownerOf(step: string): string {
  const branch = step.lastIndexOf(".");
  if (branch < 0) return "";
  const owner = step.lastIndexOf(".", branch - 1);
  return owner < 0 ? "" : step.slice(0, owner);
}

/** A step whose span is open: its context (the parent of what runs inside) and its attempt's span. */
interface OpenStep {
  readonly span: OTel.Span;
  readonly context: OTel.Context;
  readonly type: string;
  task: OTel.Span | undefined;
}

/**
 * Spans of one run, derived from its lifecycle events: `runnable.run` → `runnable.step` (one per
 * step, nested as the run nests) → `runnable.task` (one per attempt). Attributes: run id, step
 * (internal name), step type, attempt, status; a failure records the error and sets ERROR.
 * Parameter values are never recorded.
 */
export class RunTracer {
  /** Open step spans by internal name, each with its open attempt's span. */
  private readonly steps = new Map<string, OpenStep>();
  /** Attempts of a step without a step span (a job's task). */
  private readonly loose = new Map<string, OTel.Span>();
  private ended = false;

  private constructor(
    private readonly otel: Api,
    private readonly tracer: OTel.Tracer,
    private readonly root: OTel.Context,
    private readonly runSpan: OTel.Span | undefined,
    private readonly runId: string,
  ) {}

  /**
   * A tracer for a run when `@opentelemetry/api` is installed and a tracer provider records
   * spans; else undefined (nothing is recorded and nothing else changes). `parent` (a
   * `TRACEPARENT` value) makes the spans children of another process's span. With `runSpan`
   * false (one step run in its own process) no `runnable.run` span is made: the steps hang
   * under `parent`.
   */
  static start(options: { parent?: string | undefined; runSpan: boolean; runId?: string | undefined }): RunTracer | undefined {
    // Without a provider a run's span never records; a step in its own process without a
    // parent has nothing to join: either way nothing is traced, and the API need not load.
    if (options.runSpan ? !providerRegistered() : parseTraceparent(options.parent) === undefined) return undefined;
    const otel = loadApi();
    if (!otel) return undefined;
    const tracer = otel.trace.getTracer("@runnable-ts/runtime");
    const remote = parseTraceparent(options.parent);
    let root = remote ? otel.trace.setSpanContext(otel.ROOT_CONTEXT, remote) : otel.ROOT_CONTEXT;
    if (!options.runSpan) {
      // One step in its own process: its spans join the caller's trace (without a provider they
      // are the API's non-recording spans, which cost next to nothing for one step).
      if (!remote) return undefined;
      return new RunTracer(otel, tracer, root, undefined, options.runId ?? "");
    }
    const runSpan = tracer.startSpan("runnable.run", options.runId ? { attributes: { "runnable.run_id": options.runId } } : {}, root);
    if (!runSpan.isRecording()) {
      // No tracer provider (or this run is not sampled): leave the run unobserved.
      runSpan.end();
      return undefined;
    }
    root = otel.trace.setSpan(root, runSpan);
    return new RunTracer(otel, tracer, root, runSpan, options.runId ?? "");
  }

  /**
   * Starts a span with the attributes every span has (set after the start: given to
   * `startSpan`, the SDK would validate and copy them three times).
   */
  private start(name: string, parent: OTel.Context, step: string, type: string): OTel.Span {
    return this.tracer.startSpan(name, undefined, parent).setAttribute("runnable.run_id", this.runId).setAttribute("runnable.step", step).setAttribute("runnable.step_type", type);
  }

  /** A task span (one attempt) under its step's span. */
  private startTask(step: string, open: OpenStep | undefined, attempt: unknown): OTel.Span {
    return this.start("runnable.task", open?.context ?? this.root, step, open?.type ?? "task").setAttribute("runnable.attempt", typeof attempt === "number" ? attempt : 1);
  }

  private fail(span: OTel.Span, message: string): void {
    span.recordException({ name: "StepFailed", message: message || "failed" });
    span.setStatus({ code: this.otel.SpanStatusCode.ERROR, message });
  }

  /**
   * Feeds one lifecycle event to the spans: the event as the run emits it (no run_id or
   * timestamp needed), synchronously — a few map operations around the SDK's own calls.
   */
  onEvent(event: LifecycleEvent): void {
    const step = event.step;
    switch (event.type) {
      case "step_started": {
        const type = typeof event.step_type === "string" ? event.step_type : "";
        const owner = ownerOf(step);
        const parent = owner ? (this.steps.get(owner)?.context ?? this.root) : this.root;
        const span = this.start("runnable.step", parent, step, type);
        this.steps.set(step, { span, context: this.otel.trace.setSpan(parent, span), type, task: undefined });
        break;
      }
      case "task_started": {
        const open = this.steps.get(step);
        const span = this.startTask(step, open, event.attempt);
        if (open) {
          open.task?.end();
          open.task = span;
        } else {
          this.loose.get(step)?.end();
          this.loose.set(step, span);
        }
        break;
      }
      case "task_completed":
      case "task_error": {
        const open = this.steps.get(step);
        // An attempt can fail before its function starts (a missing secret, an invalid parameter).
        const span = (open ? open.task : this.loose.get(step)) ?? this.startTask(step, open, event.attempt);
        if (open) open.task = undefined;
        else this.loose.delete(step);
        const ok = event.type === "task_completed";
        span.setAttribute("runnable.status", ok ? "SUCCESS" : "FAIL");
        if (!ok) this.fail(span, String(event.error ?? ""));
        span.end();
        break;
      }
      case "step_completed": {
        const open = this.steps.get(step);
        if (!open) break;
        this.steps.delete(step);
        open.task?.end();
        const status = String(event.status);
        open.span.setAttribute("runnable.status", status);
        if (status === "FAIL") this.fail(open.span, typeof event.message === "string" ? event.message : "");
        open.span.end();
        break;
      }
      case "pipeline_completed":
        this.end(String(event.status));
        break;
      default:
    }
  }

  /** `TRACEPARENT` for a process that runs `step`: the step's span (else the run's). */
  traceEnv(step: string): Record<string, string> {
    const context = this.steps.get(step)?.context ?? this.root;
    const span = this.otel.trace.getSpanContext(context);
    return span && this.otel.isSpanContextValid(span) ? { TRACEPARENT: traceparentOf(span) } : {};
  }

  /** Ends every span still open (a run that stopped early) and the run span with `status`. */
  end(status: string, error?: string): void {
    if (this.ended) return;
    this.ended = true;
    const open = [...this.steps.values()].reverse();
    for (const span of this.loose.values()) span.end();
    this.loose.clear();
    for (const { task } of open) task?.end();
    for (const { span } of open) span.end();
    this.steps.clear();
    if (!this.runSpan) return;
    this.runSpan.setAttribute("runnable.status", status);
    if (status !== "SUCCESS") this.fail(this.runSpan, error ?? "the run failed");
    this.runSpan.end();
  }
}

