import { definePlugin, type PipelineExecutor } from "@runnable-ts/sdk";
import { prestartedLauncher } from "./prestarted-launcher";

/**
 * The `emulator` executor: the traversal stays in this process (composites included), and
 * every task step runs in a fresh process through the CLI, exchanging state only through the
 * run-log store and the catalog — what a container or a cluster would do, on one machine.
 * The protocol is the runtime's (`run.place`); this executor only supplies a subprocess
 * launcher, which starts the next step's process while a step runs (see {@link prestartedLauncher}).
 * Needs a store other processes can read (not `buffered`).
 */
export const emulatorExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "emulator",
  create: (): PipelineExecutor => ({
    execute: async (run) => {
      const prestarted = prestartedLauncher();
      try {
        return await run.place(prestarted.launcher, { executor: "emulator" });
      } finally {
        prestarted.close();
      }
    },
  }),
});
