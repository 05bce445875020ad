import { registerRuntime, type ExecuteOptions, type Job, type Pipeline, type ResumeOptions, type RunEvent, type RunLog } from "@runnable-ts/sdk";
import { executeJobNode } from "./job";
import { executeGraph } from "./run";
import { streamGraph } from "./stream";

export { runPipeline, type RunOptions, type RunResult, type DefinitionSource } from "./run";
export type { RunProgress } from "./progress";
export { streamGraph } from "./stream";
export { parseResumeData, resumeTarget, suspendedSteps, type ResumeRequest } from "./resume";
export { executeSingleNode, fanStep, type SingleNodeOptions } from "./single-node";
export { loadDefinition, loadJobDefinition, type LoadedDefinition, type LoadedJob } from "./definition";
export { loadYamlPipeline } from "./yaml-pipeline";
export { runJob, executeSingleJob } from "./job";
export { walkGraphs, subgraphsOf } from "./graph-check";
export { validateRunId, MAX_RUN_ID_LENGTH } from "./run-id";
export { closeScope, withRunLogStore } from "./session";
export { planOf } from "./plan";
export { CACHE_RUN_ID, clearCache, entryHash, lookUp, record as recordCached } from "./step-cache";
export { SUSPENDED_EXIT_CODE } from "./placement";
export { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "./distribution";
export { prewarm } from "./prewarm";
export { Limiter, pool } from "./limiter";
// Seeing a run: graph, timeline, tracing.
export { renderGraph, GRAPH_FORMATS, type GraphFormat } from "./graph-render";
export { checkedGraph } from "./checked-graph";
export { timelineModel, renderTimelineHtml, type TimelineModel, type TimelineRow } from "./timeline";

/** Runs an SDK pipeline (what `Pipeline.execute()` calls). */
export function executePipeline(pipeline: Pipeline, options: ExecuteOptions): Promise<RunLog> {
  return executeGraph(pipeline.toGraph(), { ...options, definition: { kind: "sdk", file: pipeline.definedAt.file, exportName: pipeline.definedAt.exportName } });
}

/** Resumes a suspended run of an SDK pipeline (what `Pipeline.resume()` calls). */
export function resumePipeline(pipeline: Pipeline, runId: string, options: ResumeOptions): Promise<RunLog> {
  const { step, data, ...rest } = options;
  return executeGraph(pipeline.toGraph(), {
    ...rest,
    retryRunId: runId,
    resume: { step, data },
    definition: { kind: "sdk", file: pipeline.definedAt.file, exportName: pipeline.definedAt.exportName },
  });
}

/** Streams the events of a resumed run of an SDK pipeline (what `AsyncPipeline.resumeStreaming()` calls). */
export function streamResume(pipeline: Pipeline, runId: string, options: ResumeOptions): AsyncIterable<RunEvent> {
  const { step, data, ...rest } = options;
  return streamGraph(pipeline.toGraph(), {
    ...rest,
    retryRunId: runId,
    resume: { step, data },
    definition: { kind: "sdk", file: pipeline.definedAt.file, exportName: pipeline.definedAt.exportName },
  });
}

/** Streams an SDK pipeline's events (what `AsyncPipeline.executeStreaming()` calls). */
export function streamPipeline(pipeline: Pipeline, options: ExecuteOptions): AsyncIterable<RunEvent> {
  return streamGraph(pipeline.toGraph(), { ...options, definition: { kind: "sdk", file: pipeline.definedAt.file, exportName: pipeline.definedAt.exportName } });
}

/** Runs an SDK job (what `Job.execute()` calls). */
export function executeJob(job: Job, options: ExecuteOptions): Promise<RunLog> {
  return executeJobNode(job.toNode(), { ...options, definition: { kind: "sdk", file: job.definedAt.file } });
}

registerRuntime({ executePipeline, resumePipeline, streamPipeline, streamResume, executeJob });
