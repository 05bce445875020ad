import { setMaxListeners } from "node:events";
import { isoNow, parameterValue, RunnableError, type GraphDef, type EventDetail, type NodeType, type RunConfig, type RunEvent, type RunLogStore, type RunServices, type TaskType, type TraversalPolicy } from "@runnable-ts/sdk";
import type { Kernel, RunScope } from "@runnable-ts/kernel";
import { exitGuard, trackRunning, type RunningRecords } from "./exit-guard";
import { cachedKernel } from "./kernel-cache";
import { codeIdentities } from "./code-identity";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "./distribution";
import { prepare, type Prepared } from "./prepare";
import { holdRejectionGuard } from "./rejection-guard";
import { loadExport } from "./load-export";
import { secretsFromEnv } from "./placement";
import { ProgressRecorder } from "./progress";
import { serializedStore } from "./serialized-store";
import type { RetryFrom } from "./retry-from";
import { Traversal } from "./traversal";
import { validateRunId } from "./run-id";
import type { RunTracer } from "./tracing";

/** What opening a session needs. */
export interface SessionOptions {
  cwd?: string;
  configurationFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: RunEvent) => void | Promise<void>) | undefined;
  /** What `onEvent` needs beyond the lifecycle events (default: everything). */
  eventDetail?: EventDetail | undefined;
  /**
   * Sees each lifecycle event as it is emitted, synchronously and before `onEvent`: the event
   * as built, without run_id and timestamp, and without previews or task_output unless
   * `onEvent` wants them (the run's spans, see tracing.ts).
   */
  tracer?: Pick<RunTracer, "onEvent"> | undefined;
  /** Keep a {@link RunProgress} of the run ({@link RunSession.progress}). */
  progress?: boolean | undefined;
}

/** The event detail of a run with only a tracer watching: none. */
const LIFECYCLE_ONLY: EventDetail = { previews: false, output: false };

/**
 * One run's plumbing, shared by every way of running (a whole pipeline, a retry, one step in
 * another process): configuration and plugins in a child container, the checked graph, the
 * run's services and a traversal factory. Close it when done.
 */
export class RunSession {
  private constructor(
    readonly kernel: Kernel,
    readonly scope: RunScope,
    readonly prepared: Prepared,
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly controller: AbortController,
    private readonly options: SessionOptions,
  ) {}

  /** Releases this run's hold on the process-level unhandled-rejection handler. */
  private readonly releaseRejectionGuard = holdRejectionGuard();
  /** Step and branch logs of this session's run that are PROCESSING right now (for the exit guard). */
  private readonly running: RunningRecords = { steps: new Map(), branches: new Map() };
  private trackedStore: RunLogStore | undefined;
  private releaseGuard: (() => void) | undefined;

  /**
   * Loads config and plugins and checks the graph (every problem at once).
   * @throws ConfigError, plugin errors, GraphError.
   */
  static async open(graph: GraphDef, options: SessionOptions): Promise<RunSession> {
    const cwd = options.cwd ?? process.cwd();
    const env = options.env ?? process.env;
    const kernel = await cachedKernel({ cwd, configFile: options.configurationFile, env, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
    const scope = await kernel.createRun();
    try {
      const prepared = await prepare(graph, scope, cwd, kernel);
      const controller = new AbortController();
      // Every running task listens to the run's signal; hundreds at once is expected, not a leak.
      setMaxListeners(0, controller.signal);
      const session = new RunSession(kernel, scope, prepared, cwd, env, controller, options);
      if (options.signal?.aborted) session.abort();
      options.signal?.addEventListener("abort", session.abort, { once: true });
      return session;
    } catch (error) {
      await closeScope(scope);
      throw error;
    }
  }

  private readonly abort = (): void => this.controller.abort(this.options.signal?.reason ?? new Error("the run was cancelled"));

  /** Why the run was cancelled, as step messages say it (`cancelled: …`). */
  get cancelledMessage(): string {
    const reason: unknown = this.controller.signal.reason;
    return `cancelled: ${reason instanceof Error ? reason.message : String(reason ?? "the run was cancelled")}`;
  }

  /** True once the run was cancelled. */
  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /**
   * The run's store, seen through a view that remembers what is PROCESSING (see
   * {@link guardExit}) — unless nothing needs that: a store that keeps nothing past the process
   * (`persistent: false`, the in-memory one) has nothing to record at exit, and without `progress`
   * nobody asks what is running (two map writes per step saved).
   */
  get store(): RunLogStore {
    if (!this.trackedStore) {
      const store = this.scope.get("run-log-store");
      this.trackedStore = store.persistent === false && !this.options.progress ? store : trackRunning(store, this.running, this.progress);
    }
    return this.trackedStore;
  }

  /** What the run is doing now, when the session was opened with `progress`. */
  get progress(): ProgressRecorder | undefined {
    if (this.options.progress) this.recorder ??= new ProgressRecorder(this.running.steps);
    return this.recorder;
  }

  private recorder: ProgressRecorder | undefined;

  /**
   * Until {@link close}, a process exit (a task calling `process.exit()`, an event loop that
   * drains with the run unfinished, a second Ctrl-C) records the steps and branches still
   * PROCESSING and the run as FAIL, synchronously, saying the process exited.
   * `runConfig` is the run's current run_config (the record is replaced, not merged).
   */
  guardExit(runId: string, runConfig: RunConfig): void {
    this.releaseGuard?.();
    this.releaseGuard = exitGuard.add({ runId, runConfig, store: this.scope.get("run-log-store"), running: this.running });
  }

  /** The services a run with this id uses. */
  services(runId: string): RunServices {
    const { onEvent, tracer, eventDetail } = this.options;
    // A tracer needs every attempt's events, a listener maybe not: they are made for the tracer
    // and not passed on.
    const withoutTasks = tracer !== undefined && eventDetail?.tasks === false;
    const withoutSteps = tracer !== undefined && eventDetail?.steps === false;
    // The runtime's events are fresh objects: run_id and timestamp are added in place (a copy
    // per event, of objects of many shapes, would cost more than the rest of the event).
    const emit = (event: { type: string; step: string; [field: string]: unknown }): void | Promise<void> => {
      tracer?.onEvent(event);
      if (!onEvent) return;
      if (withoutTasks && (event.type === "task_started" || event.type === "task_completed" || event.type === "task_error")) return;
      if (withoutSteps && (event.type === "step_started" || event.type === "step_completed")) return;
      const stamped: Record<string, unknown> = event;
      stamped.run_id = runId;
      stamped.timestamp = isoNow();
      return onEvent(stamped as unknown as RunEvent);
    };
    const catalog = this.scope.get("catalog");
    const pickler = this.scope.get("pickler");
    return {
      runId,
      store: this.store,
      catalog,
      // A step launched elsewhere gets its listed secrets by name in its environment.
      secrets: secretsFromEnv(this.scope.get("secrets"), this.env),
      pickler,
      cwd: this.cwd,
      signal: this.controller.signal,
      retryIndicator: this.env.RUNNABLE_RETRY_INDICATOR ?? "",
      observed: onEvent !== undefined || tracer !== undefined,
      detail: !onEvent ? LIFECYCLE_ONLY : withoutTasks || withoutSteps ? { ...eventDetail!, tasks: true, steps: true } : eventDetail,
      emit,
      // Object.assign, not `{ ...event, run_id, … }`: on Node 20 a spread followed by more keys
      // costs ~3 µs (a slow path in V8 11), ~10x an assign; this runs once per event a task emits.
      emitFrom: (step, event) => onEvent?.(Object.assign({}, event, { step, run_id: runId, timestamp: isoNow() })),
      loadExport: (ref) => loadExport(ref, this.cwd),
      valueOf: (parameter) => parameterValue(parameter, { runId, catalog, pickler }),
    };
  }

  /** A traversal of this session's graph for `services`, by `policy`. */
  traversal(services: RunServices, policy: TraversalPolicy, retry: boolean, resume?: { step: string; data?: unknown }, from?: RetryFrom): Traversal {
    const { prepared, scope } = this;
    const store = services.store;
    return new Traversal({
      services: policy.concurrentBranches && !store.supportsConcurrentWriters ? { ...services, store: serializedStore(store) } : services,
      nodeTypes: prepared.nodeTypes,
      // Created once per run, then a lookup (no promise per attempt).
      taskType: (name: string): TaskType | Promise<TaskType> =>
        prepared.taskTypes.get(name) ??
        scope.create("task", name).then((type) => {
          prepared.taskTypes.set(name, type);
          return type;
        }),
      policy,
      codeIdentities: () => codeIdentities(this.cwd),
      retry,
      hasComposites: prepared.hasComposites,
      resume,
      from,
    });
  }

  /** Node types of the graph, by name. */
  get nodeTypes(): ReadonlyMap<string, NodeType> {
    return this.prepared.nodeTypes;
  }

  /**
   * Runs `work` on a session for an existing run (a step, a fan, a job run in another process)
   * and closes it afterwards.
   * @throws RunnableError `E_RUN_NOT_FOUND` when the run is not in the store.
   */
  static async withRun<T>(graph: GraphDef, options: SessionOptions & { runId: string }, work: (session: RunSession) => Promise<T>): Promise<T> {
    validateRunId(options.runId);
    const session = await RunSession.open(graph, options);
    try {
      if (!(await session.store.exists(options.runId))) throw new RunnableError("E_RUN_NOT_FOUND", `No run "${options.runId}" in the configured run-log store`, { runId: options.runId });
      return await work(session);
    } finally {
      await session.close();
    }
  }

  /** Releases the run's plugins (closing the store's files). */
  async close(): Promise<void> {
    this.releaseRejectionGuard();
    this.releaseGuard?.();
    this.options.signal?.removeEventListener("abort", this.abort);
    await closeScope(this.scope);
  }
}

/** The one way a run's services are released: the store is closed (its files flushed), then the container disposed. */
export async function closeScope(scope: RunScope): Promise<void> {
  try {
    await scope.get("run-log-store").close?.();
  } finally {
    await scope.dispose();
  }
}

/**
 * Runs `work` with the configured run-log store (for reading runs: `show`, `runs`, a retry's
 * definition) and releases it afterwards the same way a run does.
 * @throws ConfigError and plugin errors when the store cannot be created.
 */
export async function withRunLogStore<T>(options: Omit<SessionOptions, "signal" | "onEvent">, work: (store: RunLogStore) => Promise<T>): Promise<T> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const kernel = await cachedKernel({ cwd, configFile: options.configurationFile, env, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
  const scope = await kernel.createRun();
  try {
    return await work(scope.get("run-log-store"));
  } finally {
    await closeScope(scope);
  }
}
