import {
  ExecutionFailedError,
  GraphError,
  isoNow,
  type ExecuteOptions,
  type GraphDef,
  type NodeType,
  type RunEvent,
  type RunLog,
  type RunServices,
  type Status,
  type TaskType,
} from "@runnable-ts/sdk";
import { Kernel, type RunScope } from "@runnable-ts/kernel";
import { codeIdentities } from "./code-identity";
import { hashOf, serializeGraph } from "./dag-hash";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "./distribution";
import { checkGraph, typesUsed, walkGraphs, withTerminals } from "./graph-check";
import { loadExport } from "./load-export";
import { loadParameters } from "./parameters";
import { messageOf } from "./redact";
import { generateRunId } from "./run-id";
import { serializedStore } from "./serialized-store";
import { Traversal } from "./traversal";

/** Where a pipeline definition came from, recorded in the run log for re-entry and retry. */
export type DefinitionSource = { kind: "yaml"; file: string } | { kind: "sdk"; file: string | undefined; exportName?: string | undefined };

/** Options of {@link runPipeline}. */
export interface RunOptions extends ExecuteOptions {
  definition: DefinitionSource;
  /** Environment for config, parameters and run id lookup (default `process.env`; never written). */
  env?: NodeJS.ProcessEnv;
  /** Receives every event of the run; a returned promise makes generator tasks wait for it. */
  onEvent?: (event: RunEvent) => void | Promise<void>;
}

/** Outcome of {@link runPipeline}. */
export interface RunResult {
  runId: string;
  status: Status;
  runLog: RunLog;
}

/** A pipeline checked and ready: the graph with terminals, its node and task types. */
interface Prepared {
  graph: GraphDef;
  nodeTypes: Map<string, NodeType>;
  taskTypes: Map<string, TaskType>;
}

/**
 * Runs a pipeline end to end: configuration and plugins, definition checks (all problems at
 * once, before any run log exists), parameters, the run log, the configured executor. The run
 * log always ends SUCCESS or FAIL, whatever happens inside.
 *
 * @throws ConfigError, plugin errors, GraphError, RunnableError `E_RUN_EXISTS` — before running.
 */
export async function runPipeline(input: GraphDef, options: RunOptions): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const kernel = await Kernel.create({ cwd, configFile: options.configurationFile, env, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
  const scope = await kernel.createRun();
  try {
    const prepared = await prepare(input, scope, cwd);
    const runId = options.runId ?? env.RUNNABLE_RUN_ID ?? generateRunId();
    const parameters = loadParameters({ file: options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE, cwd, env, ...(options.parameters ? { initial: options.parameters } : {}) });
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal?.reason ?? new Error("the run was cancelled"));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const store = scope.get("run-log-store");
    const services: RunServices = {
      runId,
      store,
      catalog: scope.get("catalog"),
      secrets: scope.get("secrets"),
      pickler: scope.get("pickler"),
      cwd,
      signal: controller.signal,
      retryIndicator: env.RUNNABLE_RETRY_INDICATOR ?? "",
      observed: options.onEvent !== undefined,
      emit: (event) => options.onEvent?.({ ...event, run_id: runId, timestamp: isoNow() }),
      emitFrom: (step, event) => options.onEvent?.({ ...event, step, run_id: runId, timestamp: isoNow() }),
      loadExport: (ref) => loadExport(ref, cwd),
    };
    const dag = serializeGraph(prepared.graph);
    const hash = hashOf(dag);
    const config = kernel.config;
    await store.createRunLog({
      run_id: runId,
      dag_hash: hash,
      tag: options.tag ?? "",
      status: "PROCESSING",
      job: null,
      parameters,
      run_config: {
        run_id: runId,
        tag: options.tag ?? "",
        execution_mode: options.definition.kind,
        pipeline_definition_file: options.definition.file ?? null,
        ...(options.definition.kind === "sdk" && options.definition.exportName ? { pipeline_definition_export: options.definition.exportName } : {}),
        configuration_file: config.file ?? null,
        parameters_file: options.parametersFile ?? env.RUNNABLE_PARAMETERS_FILE ?? null,
        cwd,
        services: Object.fromEntries(Object.entries(config.services).map(([kind, s]) => [kind, { type: s.type }])),
        is_retry: false,
        retry_indicator: services.retryIndicator,
        dag,
        dag_hash: hash,
      },
    });
    services.emit({ type: "pipeline_started", step: "" });
    let status: Status = "FAIL";
    try {
      status = await scope.get("pipeline-executor").execute({
        runId,
        graph: prepared.graph,
        services,
        traverse: (policy) =>
          new Traversal({
            services: policy.concurrentBranches && !store.supportsConcurrentWriters ? { ...services, store: serializedStore(store) } : services,
            nodeTypes: prepared.nodeTypes,
            taskType: async (name) => {
              let type = prepared.taskTypes.get(name);
              if (!type) prepared.taskTypes.set(name, (type = await scope.create("task", name)));
              return type;
            },
            policy,
            codeIdentities: () => codeIdentities(cwd, runId),
            retry: false,
            hasComposites: [...walkGraphs(prepared.graph)].length > 1,
          }).runGraph(prepared.graph, "", {}),
      });
      if (controller.signal.aborted) status = "FAIL";
    } catch (error) {
      status = "FAIL";
      await store.updateRunLog(runId, { run_config: { ...(await store.getRunLog(runId)).run_config, error: messageOf(error) } }).catch(() => undefined);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      await store.updateRunLog(runId, { status });
    }
    const runLog = await store.getRunLog(runId);
    services.emit({ type: "pipeline_completed", step: "", status });
    return { runId, status, runLog };
  } finally {
    await scope.get("run-log-store").close?.();
    await scope.dispose();
  }
}

/** Like {@link runPipeline}, rejecting with ExecutionFailedError when the run ends FAIL. */
export async function executeGraph(input: GraphDef, options: RunOptions): Promise<RunLog> {
  const result = await runPipeline(input, options);
  if (result.status !== "SUCCESS") throw new ExecutionFailedError(result.runId, result.runLog, failureMessage(result));
  return result.runLog;
}

function failureMessage(result: RunResult): string {
  const failed = Object.values(result.runLog.steps).find((s) => s.status === "FAIL" && s.message);
  return `Execution failed for run id: ${result.runId}${failed ? ` (step ${failed.internal_name}: ${failed.message})` : ""}`;
}

/**
 * Adds the implicit terminals, creates every node and task type the graph uses, and runs the
 * structural and type-specific checks.
 * @throws GraphError with every problem found.
 */
async function prepare(input: GraphDef, scope: RunScope, cwd: string): Promise<Prepared> {
  const graph = withTerminals(input);
  const problems: string[] = [];
  const { nodeTypes: nodeNames, taskTypes: taskNames } = typesUsed(graph);
  const nodeTypes = new Map<string, NodeType>();
  const taskTypes = new Map<string, TaskType>();
  for (const name of nodeNames) {
    try {
      nodeTypes.set(name, await scope.create("node", name));
    } catch (error) {
      problems.push(`unknown step type "${name}": ${messageOf(error).split("\n")[0]}`);
    }
  }
  for (const name of taskNames) {
    try {
      taskTypes.set(name, await scope.create("task", name));
    } catch (error) {
      problems.push(`unknown command_type "${name}": ${messageOf(error).split("\n")[0]}`);
    }
  }
  problems.push(
    ...checkGraph(graph, nodeTypes, {
      hasTaskType: (name) => taskTypes.has(name),
      taskTypes: () => [...taskTypes.keys()],
    }),
  );
  for (const { graph: g, prefix } of walkGraphs(graph))
    for (const node of Object.values(g.steps)) {
      if (node.type !== "task") continue;
      const taskType = taskTypes.get(String(node.command_type));
      for (const p of (await taskType?.validate?.(node, { loadExport: (ref) => loadExport(ref, cwd) })) ?? [])
        problems.push(`step "${prefix ? `${prefix}.${node.name}` : node.name}": ${p}`);
    }
  if (problems.length > 0) throw new GraphError(problems);
  return { graph, nodeTypes, taskTypes };
}
