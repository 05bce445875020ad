import { definePlugin, z, type PipelineExecutor } from "@runnable-ts/sdk";

/**
 * The `async-local` executor: the same traversal and run log as `local`, in this process, with
 * the branches of parallel steps and the iterations of map steps running concurrently. At most
 * `max_concurrency` task steps run at once across the whole run, however composites nest.
 * `capture_console: false` trades console capture of concurrent tasks for speed (see
 * TraversalPolicy.captureConsole).
 */
export const asyncLocalExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "async-local",
  configSchema: z.object({ max_concurrency: z.number().int().min(1).default(64), capture_console: z.boolean().default(true) }),
  create: (config): PipelineExecutor => ({
    execute: (run) => run.traverse({ concurrentBranches: true, maxConcurrency: config.max_concurrency, captureConsole: config.capture_console }),
  }),
});
