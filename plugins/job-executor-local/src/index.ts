import { definePlugin, type JobExecutor } from "@runnable-ts/sdk";

/** The `local` job executor (the default): runs the job in this process. */
export const localJobExecutor = definePlugin({
  kind: "job-executor",
  name: "local",
  create: (): JobExecutor => ({ execute: (job) => job.runHere() }),
});
