import { spawn } from "node:child_process";
import { definePlugin, RunnableError, type PipelineExecutor, type PipelineRun, type Status, type TaskStep } from "@runnable-ts/sdk";

/** Runs argv in the run's working directory; resolves to the exit code and the tail of stderr. */
function runProcess(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    const child = spawn(command!, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/**
 * Runs one task step in its own process through `runnable execute-single-node`, then takes its
 * outcome from the run log (the only channel between the processes, with the catalog).
 */
async function runElsewhere(run: PipelineRun, step: TaskStep): Promise<Status> {
  const { store, runId, cwd } = run.services;
  await store.flush?.();
  // TRACEPARENT (when the run is traced) makes the step's spans join the run's trace.
  const env = { ...process.env, ...run.services.traceEnv?.(step.internalName) };
  const { code, stderr } = await runProcess(run.stepCommand(step.internalName, step.iterVars), cwd, env);
  await store.refresh?.(runId);
  const recorded = await store.getStepLog(runId, step.internalName);
  if (recorded) Object.assign(step.stepLog, { attempts: recorded.attempts, data_catalog: recorded.data_catalog, mock: recorded.mock, message: recorded.message });
  if ((code === 0 || code === 1) && recorded && (recorded.status === "SUCCESS" || recorded.status === "FAIL")) return recorded.status;
  step.stepLog.message = `the step's process ended with code ${String(code)}${stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`;
  return "FAIL";
}

/**
 * The `emulator` executor: the traversal stays in this process (composites included), and
 * every task step runs in a fresh process through the CLI, exchanging state only through the
 * run-log store and the catalog — what a container or a cluster would do, on one machine.
 * Needs a store other processes can read (not `buffered`).
 */
export const emulatorExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "emulator",
  create: (): PipelineExecutor => ({
    execute: async (run) => {
      if (run.services.store.persistent === false)
        throw new RunnableError("E_CONFIG_INVALID", "The emulator executor runs steps in other processes: configure a run-log store they can read (chunked-fs, file-system), not an in-memory one", {
          plugin: "emulator",
        });
      return run.traverse({ concurrentBranches: false, maxConcurrency: 1, taskMiddleware: (step) => runElsewhere(run, step) });
    },
  }),
});
