import { definePlugin, type PipelineExecutor } from "@runnable-ts/sdk";

/** The `local` executor: traverses in this process, running branches and map iterations one at a time. */
export const localExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "local",
  create: (): PipelineExecutor => ({
    execute: (run) => run.traverse({ concurrentBranches: false, maxConcurrency: 1 }),
  }),
});
