import { definePlugin, subprocessLauncher, type JobExecutor } from "@runnable-ts/sdk";

/**
 * The `emulator` job executor: runs the job in a fresh process through the CLI (the runtime's
 * placement protocol with a subprocess launcher), exchanging state only through the run-log
 * store and the catalog. Needs a store other processes can read.
 */
export const emulatorJobExecutor = definePlugin({
  kind: "job-executor",
  name: "emulator",
  create: (): JobExecutor => ({
    execute: (job) => job.place(subprocessLauncher, { executor: "emulator" }),
  }),
});
