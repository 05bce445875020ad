import { definePlugin, z, type PipelineExecutor } from "@runnable-ts/sdk";

/**
 * The `async-local` executor: the same traversal and run log as `local`, in this process, with
 * the branches of parallel steps and the iterations of map steps running concurrently. At most
 * `max_concurrency` task steps run at once across the whole run, however composites nest.
 */
export const asyncLocalExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "async-local",
  configSchema: z.object({ max_concurrency: z.number().int().min(1).default(64) }),
  create: (config): PipelineExecutor => ({
    execute: (run) => run.traverse({ concurrentBranches: true, maxConcurrency: config.max_concurrency }),
  }),
});
