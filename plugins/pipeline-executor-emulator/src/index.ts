import { definePlugin, subprocessLauncher, type PipelineExecutor } from "@runnable-ts/sdk";

/**
 * The `emulator` executor: the traversal stays in this process (composites included), and
 * every task step runs in a fresh process through the CLI, exchanging state only through the
 * run-log store and the catalog — what a container or a cluster would do, on one machine.
 * The protocol is the runtime's (`run.place`); this executor only supplies a subprocess
 * launcher. Needs a store other processes can read (not `buffered`).
 */
export const emulatorExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "emulator",
  create: (): PipelineExecutor => ({
    execute: (run) => run.place(subprocessLauncher, { executor: "emulator" }),
  }),
});
