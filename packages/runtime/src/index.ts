import { registerRuntime, type ExecuteOptions, type Job, type Pipeline, type RunEvent, type RunLog } from "@runnable-ts/sdk";
import { executeJobNode } from "./job";
import { executeGraph } from "./run";
import { streamGraph } from "./stream";

export { runPipeline, executeGraph, type RunOptions, type RunResult, type DefinitionSource } from "./run";
export { streamGraph } from "./stream";
export { executeSingleNode, fanStep, locateStep, type SingleNodeOptions, type LocatedStep } from "./single-node";
export { describeDagChange } from "./dag-diff";
export { loadDefinition, loadJobDefinition, type LoadedDefinition, type LoadedJob } from "./definition";
export { runJob, executeJobNode, executeSingleJob } from "./job";
export { loadYamlPipeline, parseYamlPipeline } from "./yaml-pipeline";
export { checkGraph, withTerminals, walkGraphs, subgraphsOf } from "./graph-check";
export { planOf } from "./plan";
export { dagHash, serializeGraph } from "./dag-hash";
export { loadParameters } from "./parameters";
export { loadExport, loadUserModule } from "./load-export";
export { generateRunId } from "./run-id";
export { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "./distribution";
export { Limiter, pool } from "./limiter";

/** Runs an SDK pipeline (what `Pipeline.execute()` calls). */
export function executePipeline(pipeline: Pipeline, options: ExecuteOptions): Promise<RunLog> {
  return executeGraph(pipeline.toGraph(), { ...options, definition: { kind: "sdk", file: pipeline.definedAt.file, exportName: pipeline.definedAt.exportName } });
}

/** Streams an SDK pipeline's events (what `AsyncPipeline.executeStreaming()` calls). */
export function streamPipeline(pipeline: Pipeline, options: ExecuteOptions): AsyncIterable<RunEvent> {
  return streamGraph(pipeline.toGraph(), { ...options, definition: { kind: "sdk", file: pipeline.definedAt.file, exportName: pipeline.definedAt.exportName } });
}

/** Runs an SDK job (what `Job.execute()` calls). */
export function executeJob(job: Job, options: ExecuteOptions): Promise<RunLog> {
  return executeJobNode(job.toNode(), { ...options, definition: { kind: "sdk", file: job.definedAt.file } });
}

registerRuntime({ executePipeline, streamPipeline, executeJob });
