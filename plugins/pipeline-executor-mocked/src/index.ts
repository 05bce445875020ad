import { definePlugin, z, type NodeDef, type PipelineExecutor } from "@runnable-ts/sdk";

const PatchSchema = z.record(z.string(), z.unknown());

/**
 * The `mocked` executor, for testing pipelines: every task step is recorded as a successful
 * mock (`mock: true`, nothing runs) unless `patches` has an entry for it — keyed by step name or
 * internal name — whose fields (e.g. `command`, `command_type`) replace the task's before it runs.
 */
export const mockedExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "mocked",
  configSchema: z.object({ patches: z.record(z.string(), PatchSchema).default({}) }),
  create: (config): PipelineExecutor => ({
    execute: (run) =>
      run.traverse({
        concurrentBranches: false,
        maxConcurrency: 1,
        taskMiddleware: (step, next) => {
          const patch = config.patches[step.internalName] ?? config.patches[step.node.name];
          return patch ? next({ ...step.node, ...patch } as NodeDef) : step.mock();
        },
      }),
  }),
});
