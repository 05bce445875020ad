import { DYNAMIC_BRANCH_KEY, isRunnableError, RunnableError, type GraphDef, type IterVars, type NodeDef, type NodeType, type RunEvent, type Status } from "@runnable-ts/sdk";
import { subgraphsOf, withTerminals } from "./graph-check";
import { createRunLog, type DefinitionSource } from "./run";
import { messageOf } from "./redact";
import { validateRunId } from "./run-id";
import { RunSession } from "./session";
import { RunTracer } from "./tracing";

/** Where a step sits: its node and the internal name of the branch holding it ("" = root). */
export interface LocatedStep {
  node: NodeDef;
  scope: string;
}

/**
 * Finds a step by internal name (`map_state.2.execute`): step names alternate with branch keys;
 * a composite's branch for a key is the sub-graph its node type declares under that key, or
 * under `*` (branch keys made at run time: map items, loop indices).
 * @throws RunnableError `E_GRAPH_INVALID` naming the segment that does not exist.
 */
export function locateStep(graph: GraphDef, internalName: string, nodeTypes: ReadonlyMap<string, NodeType>): LocatedStep {
  const segments = internalName.split(".");
  let current = withTerminals(graph);
  let scope = "";
  for (let i = 0; ; i += 2) {
    const name = segments[i] ?? "";
    const node = current.steps[name];
    if (!node) throw new RunnableError("E_GRAPH_INVALID", `No step "${name}" in ${scope || "the pipeline"} (looking for ${internalName})`, { step: internalName });
    if (i === segments.length - 1) return { node, scope };
    const key = segments[i + 1] ?? "";
    const subgraphs = subgraphsOf(node, nodeTypes);
    const sub = subgraphs[key] ?? subgraphs[DYNAMIC_BRANCH_KEY];
    if (!sub) throw new RunnableError("E_GRAPH_INVALID", `Step "${name}" has no branch "${key}" (looking for ${internalName})`, { step: internalName });
    scope = scope ? `${scope}.${name}.${key}` : `${name}.${key}`;
    current = withTerminals(sub);
  }
}

/** Options of {@link executeSingleNode}. */
export interface SingleNodeOptions {
  runId: string;
  /** Create the run log when it does not exist (the first step of an orchestrated run). */
  create?: { definition: DefinitionSource; parametersFile?: string | undefined; tag?: string | undefined };
  /** Internal name of the step to run. */
  step: string;
  /** Map variables / loop indices of the step's branch. */
  iterVars?: IterVars;
  cwd?: string;
  configurationFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: RunEvent) => void;
  /** Run at most one attempt of a task step (the orchestrator retries the whole process). */
  oneAttempt?: boolean;
  /** Aborting it cancels the step (its task sees its signal aborted). */
  signal?: AbortSignal | undefined;
}

/**
 * Runs exactly one step of an existing run against its store and catalog (what
 * `runnable execute-single-node` does in a step's own process). Its parameters come from the
 * run log; its outcome goes back there. A step that already succeeded is not run again.
 * Resolves to the step's status (FAIL for a `fail` step, which fails the graph it ends).
 * @throws RunnableError `E_RUN_NOT_FOUND`, `E_GRAPH_INVALID` before running anything.
 */
export async function executeSingleNode(graph: GraphDef, options: SingleNodeOptions): Promise<Status> {
  validateRunId(options.runId);
  // A step in its own process joins its caller's trace (TRACEPARENT) when tracing is set up.
  const tracer = RunTracer.start({ parent: (options.env ?? process.env).TRACEPARENT, runSpan: false, runId: options.runId });
  const session = await RunSession.open(graph, tracer ? { ...options, tracer } : options);
  try {
    const store = session.store;
    if (!(await store.exists(options.runId))) {
      if (!options.create) throw new RunnableError("E_RUN_NOT_FOUND", `No run "${options.runId}" in the configured run-log store`, { runId: options.runId });
      await createRunLog(session, options.runId, { ...options.create, env: options.env ?? process.env });
    }
    const { node, scope } = locateStep(session.prepared.graph, options.step, session.nodeTypes);
    const services = session.services(options.runId);
    // A resume launched this step in its own process: the run log says which step and with what data.
    // (The host marked the step PROCESSING before launching it: its last attempt says it was suspended.)
    const suspended = (await store.getStepLog(options.runId, options.step))?.attempts.at(-1)?.status === "SUSPENDED";
    const resume = suspended ? (await store.getRunLog(options.runId)).run_config.resume : undefined;
    // One attempt per process: the orchestrator retries the process (Argo's retryStrategy).
    const step = options.oneAttempt ? { ...node, max_attempts: 1 } : node;
    const status = await session.traversal(services, { concurrentBranches: false, maxConcurrency: 1 }, true, resume).runStep(step, scope, options.iterVars ?? {});
    // Run alone, a terminal step also settles the status of the graph it ends (as the traversal
    // does when it walks the whole graph).
    const terminal = session.nodeTypes.get(node.type)?.terminal;
    if (terminal) {
      const outcome = terminal === "success" ? "SUCCESS" : "FAIL";
      if (scope === "") await store.updateRunLog(options.runId, { status: outcome });
      else {
        const branch = await store.getBranchLog(options.runId, scope);
        if (branch) await store.putBranchLog(options.runId, { ...branch, status: outcome });
      }
    }
    // A fail step ends its graph FAIL: its process fails too (an orchestrator sees the graph fail).
    return terminal === "fail" ? "FAIL" : status;
  } finally {
    tracer?.end("");
    await session.close();
  }
}

/**
 * `fan out` / `fan in` of a composite step of an existing run, for orchestrators that run its
 * branches as separate jobs (`runnable fan`). Out resolves to the branches to run (key and
 * map/loop variables for each); in to the composite's final status.
 * @throws RunnableError `E_FAN_INVALID` for a step that cannot be fanned (a loop) or a fan-in
 *   whose branches have not all ended; `E_RUN_NOT_FOUND`, `E_GRAPH_INVALID`, `E_RUN_ID_INVALID`.
 */
export async function fanStep(graph: GraphDef, options: SingleNodeOptions & { mode: "in" | "out" | "next" }): Promise<{ status: Status; branches: { key: string; iterVars: IterVars }[] }> {
  if (options.create) {
    // The first step of an orchestrated run may be a composite: its fan-out creates the run log.
    validateRunId(options.runId);
    const session = await RunSession.open(graph, options);
    try {
      if (!(await session.store.exists(options.runId))) await createRunLog(session, options.runId, { ...options.create, env: options.env ?? process.env });
    } finally {
      await session.close();
    }
  }
  return RunSession.withRun(graph, options, (session) => {
    const { node, scope } = locateStep(session.prepared.graph, options.step, session.nodeTypes);
    const services = session.services(options.runId);
    return session
      .traversal(services, { concurrentBranches: false, maxConcurrency: 1 }, false)
      .fan(node, scope, options.iterVars ?? {}, options.mode)
      .catch((error: unknown) => {
        // The traversal refuses what cannot be fanned (a loop, a fan-in before its branches ended).
        if (isRunnableError(error)) throw error;
        throw new RunnableError("E_FAN_INVALID", `Cannot fan ${options.mode} step "${options.step}" of run "${options.runId}": ${messageOf(error)}`, { step: options.step, runId: options.runId }, { cause: error });
      });
  });
}
