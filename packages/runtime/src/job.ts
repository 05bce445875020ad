import { ExecutionFailedError, newStepLog, type GraphDef, type JobLog, type NodeDef, type RunEvent, type RunLog, type RunServices, type Status, type TaskNodeDef } from "@runnable-ts/sdk";
import { singleNodeCommand } from "./cli-path";
import { serializeGraph } from "./dag-hash";
import { loadParameters } from "./parameters";
import { checkExecutor, placeJob } from "./placement";
import { messageOf } from "./redact";
import { resolveRunId, validateRunId } from "./run-id";
import { newRunConfig, relativeInside, type RunOptions, type RunResult } from "./run";
import { RunSession } from "./session";

/** A job's task node seen as a one-step graph, so it is checked like any task step. */
function jobGraph(node: NodeDef): GraphDef {
  return { start_at: "job", steps: { job: { ...node, name: "job", next: "success" } } };
}

const SEQUENTIAL = { concurrentBranches: false, maxConcurrency: 1 } as const;

/** Runs the job's attempts in this process and records them as the run's job log. */
async function runJobHere(session: RunSession, services: RunServices): Promise<Status> {
  const node = session.prepared.graph.steps.job as TaskNodeDef;
  const log = newStepLog("job", "job", "task");
  const status = await session.traversal(services, SEQUENTIAL, false).runJob(node, log);
  const job: JobLog = {
    status,
    message: log.message,
    mock: false,
    code_identities: log.attempts.at(-1)?.code_identities ?? [],
    attempts: log.attempts,
    data_catalog: log.data_catalog,
  };
  await services.store.updateRunLog(services.runId, { job, status });
  return status;
}

/**
 * Runs a job (one task, no graph) through the configured job executor: the run log gets a `job`
 * section with its attempts and catalog entries, its returns become the run's parameters, and
 * the run's status is the job's.
 * @throws ConfigError, plugin errors, GraphError, `E_RUN_EXISTS` before anything runs.
 */
export async function runJob(node: NodeDef, options: RunOptions): Promise<RunResult> {
  const env = options.env ?? process.env;
  const runId = resolveRunId(options.runId, env);
  const session = await RunSession.open(jobGraph(node), options);
  try {
    const services = session.services(runId);
    const store = session.store;
    const config = session.kernel.config;
    const file = options.definition.file;
    const exportName = options.definition.kind === "sdk" ? options.definition.exportName : undefined;
    const executor = session.scope.get("job-executor");
    await checkExecutor(executor, session.prepared.graph, session.prepared.nodeTypes, services);
    if (executor.compile) {
      const inside = (f: string | undefined) => relativeInside(session.cwd, f);
      const parametersFile = options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE;
      const compiled = await executor.compile({
        runId,
        node: session.prepared.graph.steps.job!,
        services,
        definition: { file: inside(file), ...(exportName ? { exportName } : {}) },
        configFile: inside(config.file),
        parametersFile: inside(parametersFile),
      });
      if (compiled !== undefined) {
        const header = newRunConfig(session, runId, options, { job_definition_file: file ?? null });
        const runLog: RunLog = { run_id: runId, dag_hash: null, tag: options.tag ?? "", status: "SUCCESS", job: null, parameters: {}, run_config: header, steps: {} };
        return { runId, status: "SUCCESS", runLog, compiled };
      }
    }
    const runConfig = newRunConfig(session, runId, options, {
      job_definition_file: file ?? null,
      ...(exportName ? { job_definition_export: exportName } : {}),
      job: serializeGraph(jobGraph(node)),
    });
    await store.createRunLog({
      run_id: runId,
      dag_hash: null,
      tag: options.tag ?? "",
      status: "PROCESSING",
      job: { status: "CREATED", message: "", mock: false, code_identities: [], attempts: [], data_catalog: [] },
      parameters: loadParameters({ file: options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE, cwd: session.cwd, env, ...(options.parameters ? { initial: options.parameters } : {}) }),
      run_config: runConfig,
    });
    session.guardExit(runId, runConfig);
    let status: Status = "FAIL";
    try {
      const node = session.prepared.graph.steps.job!;
      const jobCommand = (): string[] => singleNodeCommand({ runId, file, target: "job", extra: ["--job"], configFile: config.file, exportName, cwd: session.cwd, env });
      status = await executor.execute({
        runId,
        node,
        services,
        runHere: () => runJobHere(session, services),
        jobCommand,
        place: (launcher, placement) => placeJob({ services, env, node, jobCommand }, launcher, placement),
      });
      if (session.cancelled) {
        status = "FAIL";
        await store.updateRunLog(runId, { run_config: { ...runConfig, error: session.cancelledMessage } });
      }
    } catch (error) {
      status = "FAIL";
      await store.updateRunLog(runId, { job: { status: "FAIL", message: messageOf(error), mock: false, code_identities: [], attempts: [], data_catalog: [] } }).catch(() => undefined);
    }
    await store.updateRunLog(runId, { status });
    return { runId, status, runLog: await store.getRunLog(runId) };
  } finally {
    await session.close();
  }
}

/** Like {@link runJob}, rejecting with ExecutionFailedError when the job fails. */
export async function executeJobNode(node: NodeDef, options: RunOptions): Promise<RunLog> {
  const result = await runJob(node, options);
  if (result.status !== "SUCCESS") throw new ExecutionFailedError(result.runId, result.runLog, `Job failed for run id: ${result.runId}${result.runLog.job?.message ? ` (${result.runLog.job.message})` : ""}`);
  return result.runLog;
}

/**
 * Runs the attempts of an existing run's job in this process (what a job executor that uses
 * other processes starts: `runnable execute-single-node <run> <file> job --job`).
 */
export function executeSingleJob(node: NodeDef, options: { runId: string; cwd?: string; configurationFile?: string | undefined; env?: NodeJS.ProcessEnv; signal?: AbortSignal | undefined; onEvent?: (event: RunEvent) => void }): Promise<Status> {
  validateRunId(options.runId);
  return RunSession.withRun(jobGraph(node), options, (session) => runJobHere(session, session.services(options.runId)));
}
