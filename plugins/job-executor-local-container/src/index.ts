import { definePlugin, LocalContainer, localContainerConfigSchema, type JobExecutor } from "@runnable-ts/sdk";

/**
 * The `local-container` job executor: the job's attempts run in a new container of `image`
 * (docker or podman) through the runtime's placement protocol; the same keys as the
 * `local-container` pipeline executor (`max_concurrency` has nothing to bound here).
 */
export const localContainerJobExecutor = definePlugin({
  kind: "job-executor",
  name: "local-container",
  configSchema: localContainerConfigSchema,
  create: (config): JobExecutor => {
    const containers = new LocalContainer(config, "local-container");
    return {
      check: (definition) => containers.check(definition),
      execute: (job) => job.place(containers.launch, { executor: "local-container", passSecrets: true }),
    };
  },
});
