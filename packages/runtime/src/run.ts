import { isAbsolute, relative, resolve } from "node:path";
import { ExecutionFailedError, RunnableError, type EventDetail, type ExecuteOptions, type GraphDef, type IterVars, type PipelineExecutor, type RunConfig, type RunEvent, type RunLog, type RunServices, type Status, type TraversalPolicy } from "@runnable-ts/sdk";
import { singleNodeCommand } from "./cli-path";
import { describeDagChange } from "./dag-diff";
import { loadParameters } from "./parameters";
import { checkExecutor, placeSteps } from "./placement";
import { planOf } from "./plan";
import type { RunProgress } from "./progress";
import { messageOf } from "./redact";
import { resumeTarget, suspendedSteps, type ResumeRequest } from "./resume";
import { RetryFrom } from "./retry-from";
import { resolveRunId, validateRunId } from "./run-id";
import { RunSession } from "./session";
import { RunTracer } from "./tracing";

/** Where a pipeline definition came from, recorded in the run log for re-entry and retry. */
export type DefinitionSource = { kind: "yaml"; file: string } | { kind: "sdk"; file: string | undefined; exportName?: string | undefined };

/** Options of {@link runPipeline}. */
export interface RunOptions extends ExecuteOptions {
  definition: DefinitionSource;
  /** Environment for config, parameters and run id lookup (default `process.env`; never written). */
  env?: NodeJS.ProcessEnv;
  /**
   * Receives every event of the run. A returned promise is backpressure: the step that emitted a
   * step event waits for it before going on, and a generator task before its next `yield`.
   */
  onEvent?: (event: RunEvent) => void | Promise<void>;
  /**
   * What `onEvent` needs beyond the lifecycle events (default: everything). Without `previews`,
   * `task_started` and `task_completed` carry no `inputs` / `outputs`; without `output`, no
   * `task_output` events are made; without `tasks`, no task events (started, completed, error),
   * without `steps` no `step_started` / `step_completed` reach `onEvent`.
   */
  eventDetail?: EventDetail;
  /**
   * Called once, as the run starts, with what it is doing now — running steps, finished ones
   * by status, the last to finish — for a view that samples it on a timer (the CLI's live view)
   * rather than following events.
   */
  onProgress?: (progress: RunProgress) => void;
  /** Retry this failed run instead of starting a new one (else `RUNNABLE_RETRY_RUN_ID`). */
  retryRunId?: string;
  /** Receives warnings (e.g. parameters ignored on retry); default `console.warn`. */
  onWarning?: (message: string) => void;
  /**
   * With `retryRunId`: run this step (internal name) and everything after it again, even what
   * succeeded (`runnable retry --from`). A run that succeeded may be retried from a step.
   */
  retryFrom?: string | undefined;
  /** With `retryRunId`: resume that SUSPENDED run — run this suspended step again with this data. */
  resume?: ResumeRequest | undefined;
}

/** Outcome of {@link runPipeline}. */
export interface RunResult {
  runId: string;
  status: Status;
  runLog: RunLog;
  /** Set when the executor compiled the pipeline instead of running it (what it wrote); the run log is then not stored. */
  compiled?: string;
}

/**
 * Runs a pipeline end to end — or retries a failed run of it: configuration and plugins,
 * definition checks (all problems at once, before any run log exists), parameters, the run log,
 * the configured executor. The run log always ends SUCCESS or FAIL, whatever happens inside.
 *
 * On retry (`retryRunId` or `RUNNABLE_RETRY_RUN_ID`) the existing run log is reused: steps
 * whose last attempt succeeded are skipped, failed and unreached ones run again (attempt n+1),
 * parameters are those the first run left, and a changed definition is refused.
 *
 * @throws ConfigError, plugin errors, GraphError, `E_RUN_EXISTS`, `E_RUN_NOT_FOUND`,
 *   `E_RETRY_DAG_CHANGED` — before anything runs.
 */
export async function runPipeline(input: GraphDef, options: RunOptions): Promise<RunResult> {
  const env = options.env ?? process.env;
  const retryId = options.retryRunId ?? (env.RUNNABLE_RETRY_RUN_ID || undefined);
  if (options.resume && retryId === undefined) throw new RunnableError("E_USAGE", "resume needs the id of the suspended run (retryRunId)");
  if (options.retryFrom !== undefined && retryId === undefined) throw new RunnableError("E_USAGE", "retryFrom needs the id of the run to retry (retryRunId)");
  if (options.retryFrom !== undefined && options.resume) throw new RunnableError("E_USAGE", "a resume cannot also retry from a step");
  const runId = retryId !== undefined ? validateRunId(retryId, options.retryRunId !== undefined ? "the run id to retry" : "RUNNABLE_RETRY_RUN_ID") : resolveRunId(options.runId, env);
  // OpenTelemetry spans from the run's events, when a tracer provider is registered (tracing.ts).
  const tracer = RunTracer.start({ parent: env.TRACEPARENT, runSpan: true, runId });
  const session = await RunSession.open(input, { ...options, ...(tracer ? { tracer } : {}), progress: options.onProgress !== undefined }).catch((error: unknown) => {
    tracer?.end("FAIL", messageOf(error));
    throw error;
  });
  try {
    const services = tracer ? { ...session.services(runId), traceEnv: (step: string) => tracer.traceEnv(step) } : session.services(runId);
    const store = session.store;
    const executor = session.scope.get("pipeline-executor");
    // A --from naming no step is refused before the run log is touched.
    const from = options.retryFrom !== undefined ? RetryFrom.of(session.prepared.graph, options.retryFrom, session.nodeTypes) : undefined;
    await checkExecutor(executor, session.prepared.graph, session.prepared.nodeTypes, services);
    if (executor.compile) return await compilePipeline(session, executor.compile.bind(executor), runId, services, options);
    let runConfig = retryId ? await startRetry(session, retryId, options) : await createRunLog(session, runId, options);
    session.guardExit(runId, runConfig);
    if (session.progress) options.onProgress?.(session.progress);
    services.emit({ type: "pipeline_started", step: "", ...(retryId ? { retry: true } : {}) });
    let status: Status = "FAIL";
    try {
      const resume = runConfig.resume;
      const traverse = (policy: TraversalPolicy): Promise<Status> => session.traversal(services, policy, retryId !== undefined, resume, from).runGraph(session.prepared.graph, "", {});
      const stepCommand = (step: string, iterVars: IterVars): string[] =>
        singleNodeCommand({
          runId,
          file: options.definition.file,
          target: step,
          extra: ["--iter-variable", JSON.stringify(iterVars)],
          configFile: session.kernel.config.file,
          exportName: options.definition.kind === "sdk" ? options.definition.exportName : undefined,
          cwd: session.cwd,
          env,
        });
      status = await executor.execute({
        runId,
        graph: session.prepared.graph,
        services,
        traverse,
        plan: (command) => planOf(session.prepared.graph, session.nodeTypes, command),
        stepCommand,
        place: (launcher, placement) => placeSteps({ services, env, traverse, stepCommand }, launcher, placement),
      });
      if (session.cancelled) {
        status = "FAIL";
        runConfig = { ...runConfig, error: session.cancelledMessage };
      }
    } catch (error) {
      status = "FAIL";
      runConfig = { ...runConfig, error: messageOf(error) };
    } finally {
      // A resume's request is over once the run stops.
      const { resume: resumed, ...rest } = runConfig;
      await store.updateRunLog(runId, { status, ...(runConfig.error !== undefined || resumed ? { run_config: rest } : {}) });
    }
    const runLog = await store.getRunLog(runId);
    if (status === "SUSPENDED") services.emit({ type: "pipeline_suspended", step: "", suspended: suspendedSteps(runLog) });
    services.emit({ type: "pipeline_completed", step: "", status });
    return { runId, status, runLog };
  } finally {
    tracer?.end("FAIL", "the run stopped before it completed");
    await session.close();
  }
}

/**
 * The `run_config` of a new run, pipelines and jobs alike: how it was started (definition,
 * config file, parameters file, working directory, services), plus what is particular to the
 * kind (`extra`: the dag of a pipeline, the task of a job).
 */
export function newRunConfig(session: RunSession, runId: string, options: Pick<RunOptions, "definition" | "parametersFile" | "tag" | "env">, extra: RunConfig): RunConfig {
  const env = options.env ?? process.env;
  const config = session.kernel.config;
  return {
    run_id: runId,
    tag: options.tag ?? "",
    execution_mode: options.definition.kind,
    configuration_file: config.file ?? null,
    parameters_file: options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE ?? null,
    cwd: session.cwd,
    services: Object.fromEntries(Object.entries(config.services).map(([kind, s]) => [kind, { type: s.type }])),
    ...extra,
  };
}

/**
 * Hands the pipeline to an executor that compiles it for another system (Argo) instead of
 * running it: nothing runs and no run log is stored; the result's run log is the header the
 * run would have started with.
 */
async function compilePipeline(session: RunSession, compile: NonNullable<PipelineExecutor["compile"]>, runId: string, services: RunServices, options: RunOptions): Promise<RunResult> {
  const env = options.env ?? process.env;
  const parametersFile = options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE;
  const parameters = loadParameters({ file: parametersFile, cwd: session.cwd, env, ...(options.parameters ? { initial: options.parameters } : {}) });
  const inside = (file: string | undefined): string | undefined => relativeInside(session.cwd, file);
  const compiled = await compile({
    graph: session.prepared.graph,
    services,
    definition: { file: inside(options.definition.file), ...(options.definition.kind === "sdk" ? { exportName: options.definition.exportName } : {}) },
    configFile: inside(session.kernel.config.file),
    parametersFile: inside(parametersFile),
    parameters: Object.fromEntries(Object.entries(parameters).map(([k, p]) => [k, p.value])),
    plan: (command) => planOf(session.prepared.graph, session.nodeTypes, command),
  });
  const runConfig = newRunConfig(session, runId, options, { pipeline_definition_file: options.definition.file ?? null, dag: session.prepared.dag, dag_hash: session.prepared.dagHash });
  const runLog: RunLog = { run_id: runId, dag_hash: session.prepared.dagHash, tag: options.tag ?? "", status: "SUCCESS", job: null, parameters, run_config: runConfig, steps: {} };
  return { runId, status: "SUCCESS", runLog, compiled };
}

/** `file` relative to `cwd` when it lies inside it (what a pod at its working directory can open), else as given. */
export function relativeInside(cwd: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const rel = relative(cwd, resolve(cwd, file));
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/** Creates a new run's log: parameters read once, now, and the run config with the dag. Resolves to the run config. */
export async function createRunLog(session: RunSession, runId: string, options: Pick<RunOptions, "definition" | "parametersFile" | "parameters" | "tag" | "env">): Promise<RunConfig> {
  const env = options.env ?? process.env;
  const { dag, dagHash: hash } = session.prepared;
  const exportName = options.definition.kind === "sdk" ? options.definition.exportName : undefined;
  const runConfig = newRunConfig(session, runId, options, {
    pipeline_definition_file: options.definition.file ?? null,
    ...(exportName ? { pipeline_definition_export: exportName } : {}),
    is_retry: false,
    retries: 0,
    retry_indicator: env.RUNNABLE_RETRY_INDICATOR ?? "",
    dag,
    dag_hash: hash,
  });
  await session.store.createRunLog({
    run_id: runId,
    dag_hash: hash,
    tag: options.tag ?? "",
    status: "PROCESSING",
    job: null,
    parameters: loadParameters({ file: options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE, cwd: session.cwd, env, ...(options.parameters ? { initial: options.parameters } : {}) }),
    run_config: runConfig,
  });
  return runConfig;
}

/** Checks that a run can be retried with this definition, marks it as running again and resolves to its run config. */
async function startRetry(session: RunSession, runId: string, options: RunOptions): Promise<RunConfig> {
  const env = options.env ?? process.env;
  const store = session.store;
  const { dag, dagHash: hash } = session.prepared;
  if (!(await store.exists(runId))) throw new RunnableError("E_RUN_NOT_FOUND", `Cannot retry run "${runId}": no such run in the configured run-log store`, { runId });
  const previous = await store.getRunLog(runId);
  // A resume is checked first: it must find the run SUSPENDED and the step suspended.
  const resumeStep = options.resume ? resumeTarget(previous, options.resume) : undefined;
  if (previous.status === "SUCCESS" && options.retryFrom === undefined) throw new RunnableError("E_USAGE", `Run "${runId}" already succeeded: there is nothing to retry`, { runId });
  if (previous.status === "SUSPENDED" && resumeStep === undefined)
    throw new RunnableError("E_RUN_SUSPENDED", `Run "${runId}" is SUSPENDED, waiting for a resume: run runnable resume ${runId} [--step <name>] [--data JSON]`, { runId });
  if (previous.dag_hash !== hash) {
    const changes = describeDagChange(previous.run_config.dag, dag);
    throw new RunnableError(
      "E_RETRY_DAG_CHANGED",
      `Cannot retry run "${runId}": the pipeline definition changed since it ran:\n${changes.map((c) => `  - ${c}`).join("\n")}\nRetry with the definition it ran with, or start a new run.`,
      { runId, changes },
    );
  }
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const ignored = [
    ...(options.parametersFile || env.RUNNABLE_PARAMETERS_FILE ? ["the parameters file"] : []),
    ...(options.parameters ? ["the parameters given to execute()"] : []),
    ...Object.keys(env).filter((k) => k.startsWith("RUNNABLE_PRM_")),
  ];
  if (ignored.length > 0) warn(`retry of ${runId}: ignoring ${ignored.join(", ")} — a retry keeps the parameters the first run left`);
  const retries = (previous.run_config.retries ?? 0) + 1;
  const { error: _previousError, resume: _previousResume, retry_from: _previousFrom, ...kept } = previous.run_config;
  const runConfig: RunConfig = {
    ...kept,
    is_retry: true,
    retries,
    retry_indicator: env.RUNNABLE_RETRY_INDICATOR ?? String(retries),
    ...(resumeStep !== undefined ? { resume: { step: resumeStep, data: options.resume?.data ?? null } } : {}),
    ...(options.retryFrom !== undefined ? { retry_from: options.retryFrom } : {}),
  };
  await store.updateRunLog(runId, { status: "PROCESSING", run_config: runConfig });
  return runConfig;
}

/**
 * Like {@link runPipeline}, rejecting with ExecutionFailedError when the run ends FAIL. A run
 * that ends SUSPENDED resolves: its run log's `status` is `"SUSPENDED"`.
 */
export async function executeGraph(input: GraphDef, options: RunOptions): Promise<RunLog> {
  const result = await runPipeline(input, options);
  if (result.status !== "SUCCESS" && result.status !== "SUSPENDED") throw new ExecutionFailedError(result.runId, result.runLog, failureMessage(result));
  return result.runLog;
}

function failureMessage(result: RunResult): string {
  const failed = Object.values(result.runLog.steps).find((s) => s.status === "FAIL" && s.message);
  return `Execution failed for run id: ${result.runId}${failed ? ` (step ${failed.internal_name}: ${failed.message})` : ""}`;
}

