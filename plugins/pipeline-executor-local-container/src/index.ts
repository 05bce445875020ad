import { definePlugin, LocalContainer, localContainerConfigSchema, type PipelineExecutor } from "@runnable-ts/sdk";

/**
 * The `local-container` executor (SPEC §13.2): composites are driven from this process and
 * every task step runs `runnable execute-single-node` in a new container of `image` (docker or
 * podman), through the runtime's placement protocol; up to `max_concurrency` containers at
 * once for parallel branches and map iterations. Engine, overrides, store and images are
 * checked before the run log exists.
 */
export const localContainerExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "local-container",
  configSchema: localContainerConfigSchema,
  create: (config): PipelineExecutor => {
    const containers = new LocalContainer(config, "local-container");
    return {
      check: (definition) => containers.check(definition),
      execute: (run) => run.place(containers.launch, { executor: "local-container", maxConcurrency: config.max_concurrency, passSecrets: true }),
    };
  },
});
