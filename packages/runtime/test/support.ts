import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GraphDef, Pipeline, RunEvent, RunLog, StepLog } from "@runnable-ts/sdk";
import { runPipeline, type RunResult } from "../src/index";

/** A temp working directory with a config file (buffered store + file-system catalog by default). */
export function workdir(config = "run-log-store: { type: buffered }\ncatalog: { type: file-system }\n"): { dir: string; config: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-engine-")));
  const file = join(dir, "config.yaml");
  writeFileSync(file, config);
  return { dir, config: file };
}

/** Runs a pipeline (or graph) in a fresh working directory unless one is given. */
export async function run(
  pipeline: Pipeline | GraphDef,
  options: { dir?: string; config?: string; env?: NodeJS.ProcessEnv; runId?: string; events?: RunEvent[]; signal?: AbortSignal } = {},
): Promise<RunResult & { dir: string }> {
  const w = options.dir && options.config ? { dir: options.dir, config: options.config } : workdir();
  const graph = "toGraph" in pipeline ? pipeline.toGraph() : pipeline;
  const result = await runPipeline(graph, {
    definition: { kind: "sdk", file: undefined },
    cwd: w.dir,
    configurationFile: w.config,
    env: options.env ?? {},
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (e) => void options.events?.push(e),
  });
  return { ...result, dir: w.dir };
}

/** Finds a step anywhere in a run log by internal name. */
export function findStep(log: RunLog, internalName: string): StepLog | undefined {
  const visit = (steps: Record<string, StepLog>): StepLog | undefined => {
    for (const step of Object.values(steps)) {
      if (step.internal_name === internalName) return step;
      for (const branch of Object.values(step.branches)) {
        const found = visit(branch.steps);
        if (found) return found;
      }
    }
    return undefined;
  };
  return visit(log.steps);
}

/** Every step internal name in the run log, depth first. */
export function allStepNames(log: RunLog): string[] {
  const out: string[] = [];
  const visit = (steps: Record<string, StepLog>): void => {
    for (const step of Object.values(steps)) {
      out.push(step.internal_name);
      for (const branch of Object.values(step.branches)) visit(branch.steps);
    }
  };
  visit(log.steps);
  return out;
}
