import { spawn } from "node:child_process";
import { definePlugin, RunnableError, type JobExecutor } from "@runnable-ts/sdk";

/**
 * The `emulator` job executor: runs the job in a fresh process through the CLI, exchanging
 * state only through the run-log store and the catalog. Needs a store other processes can read.
 */
export const emulatorJobExecutor = definePlugin({
  kind: "job-executor",
  name: "emulator",
  create: (): JobExecutor => ({
    async execute(job) {
      const { store, runId, cwd } = job.services;
      if (store.persistent === false)
        throw new RunnableError("E_CONFIG_INVALID", "The emulator job executor runs the job in another process: configure a run-log store it can read (chunked-fs, file-system)", { plugin: "emulator" });
      await store.flush?.();
      const [command, ...args] = job.jobCommand();
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(command!, args, { cwd, env: process.env, stdio: ["ignore", "ignore", "inherit"] });
        child.on("error", reject);
        child.on("close", resolve);
      });
      await store.refresh?.(runId);
      const status = (await store.getRunLog(runId)).job?.status;
      if ((code === 0 || code === 1) && (status === "SUCCESS" || status === "FAIL")) return status;
      throw new Error(`the job's process ended with code ${String(code)} without recording an outcome`);
    },
  }),
});
