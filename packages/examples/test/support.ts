import { copyFileSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pipeline, RunLog } from "@runnable-ts/sdk";
import { runPipeline, type RunResult } from "@runnable-ts/runtime";

export const EXAMPLES_DIR = join(__dirname, "..");

/** The store configurations every example must pass under (SPEC: the same assertions). */
export const STORES = ["chunked-fs", "file-system", "buffered"] as const;
export type StoreName = (typeof STORES)[number];

/** Executors the examples run under: every combination with every store. */
export const EXECUTORS = ["local", "async-local", "emulator"] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

/**
 * Every (store, executor) pair that can work: the emulator runs steps in other processes, which
 * cannot see an in-memory (buffered) store.
 */
export const MATRIX: [StoreName, ExecutorName][] = STORES.flatMap((s) =>
  EXECUTORS.filter((e) => !(e === "emulator" && s === "buffered")).map((e) => [s, e] as [StoreName, ExecutorName]),
);

/** A fresh working directory with the examples' parameters file and .env, and a config file. */
export function workdir(store: StoreName, extraConfig = "", executor: ExecutorName = "local"): { dir: string; config: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-example-")));
  copyFileSync(join(EXAMPLES_DIR, "parameters.yaml"), join(dir, "parameters.yaml"));
  copyFileSync(join(EXAMPLES_DIR, ".env.example"), join(dir, ".env"));
  const config = join(dir, "config.yaml");
  writeFileSync(config, `pipeline-executor: { type: ${executor} }\nrun-log-store: { type: ${store} }\ncatalog: { type: file-system }\n${extraConfig}`);
  return { dir, config };
}

/**
 * Runs an example pipeline in `dir` with `config`. The process moves into `dir` for the run, as
 * `runnable execute` would run there: the example functions use relative paths.
 */
export async function run(pipeline: Pipeline, dir: string, config: string, extra: { parametersFile?: string; runId?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return await runOnly(pipeline, dir, config, extra);
  } finally {
    process.chdir(previous);
  }
}

function runOnly(pipeline: Pipeline, dir: string, config: string, extra: { parametersFile?: string; runId?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return runPipeline(pipeline.toGraph(), {
    definition: { kind: "sdk", file: pipeline.definedAt.file },
    cwd: dir,
    configurationFile: config,
    env: extra.env ?? {},
    ...(extra.parametersFile ? { parametersFile: extra.parametersFile } : {}),
    ...(extra.runId ? { runId: extra.runId } : {}),
  });
}

/** Values of the run's root parameters. */
export function values(log: RunLog): Record<string, unknown> {
  return Object.fromEntries(Object.entries(log.parameters).map(([k, p]) => [k, p.value]));
}
