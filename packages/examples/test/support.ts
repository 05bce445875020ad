import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Pipeline, RunLog, StepLog } from "@runnable-ts/sdk";
import { runPipeline, type RunResult } from "@runnable-ts/runtime";
import { S3Connection } from "@runnable-ts/s3";
import { containersOfRun, ensureTestImage, startS3rver, TEST_IMAGE, testImageRunArgs, type S3Server } from "@runnable-ts/testing";

export const EXAMPLES_DIR = join(__dirname, "..");

/** The store configurations every example must pass under (SPEC: the same assertions). */
export const STORES = ["chunked-fs", "file-system", "buffered", "chunked-minio"] as const;
export type StoreName = (typeof STORES)[number];

/** Executors the examples run under: every combination with every store. */
export const EXECUTORS = ["local", "async-local", "emulator", "local-container"] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

/**
 * Every (store, executor) pair that can work: the emulator runs steps in other processes, which
 * cannot see an in-memory (buffered) store. Containers (a few seconds per example) run with the
 * store meant for them, chunked-fs; test/local-container.test.ts covers file-system.
 */
export const MATRIX: [StoreName, ExecutorName][] = STORES.flatMap((s) =>
  EXECUTORS.filter((e) => !(e === "emulator" && s === "buffered") && !(e === "local-container" && s !== "chunked-fs")).map((e) => [s, e] as [StoreName, ExecutorName]),
);

let s3: S3Server | undefined;
let prefixes = 0;
const s3Prefixes = new Map<string, string>();

/**
 * The folder holding a run's catalog files: `<dir>/.catalog/<run_id>` for the file-system
 * catalog; for the s3 catalog, a folder the run's objects are downloaded into.
 */
export async function catalogDir(dir: string, runId: string): Promise<string> {
  const prefix = s3Prefixes.get(dir);
  if (prefix === undefined) return join(dir, ".catalog", runId);
  const connection = new S3Connection(s3!.config("examples"), "test");
  const root = `${prefix}catalog/${runId}/`;
  const target = join(dir, ".downloaded-catalog", runId);
  for (const key of (await connection.list(root)).keys) {
    const file = join(target, key.slice(root.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, (await connection.getBytes(key))!);
  }
  connection.close();
  return target;
}

/** Starts s3rver (on 127.0.0.1, a free port) for the test file's S3 rows, and stops it after. */
export function useS3rver(): void {
  // Under the emulator each step is a process of its own that loads the AWS SDK (~0.5 s each).
  jest.setTimeout(120_000);
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => {
    await s3?.stop({ remove: true });
    s3 = undefined;
  });
}

/**
 * The config sections of a store: on `chunked-minio` the run log and the catalog are both in a
 * bucket of the test's s3rver, under a prefix of their own per working directory.
 */
export function storeSections(store: StoreName, dir?: string): string {
  if (store !== "chunked-minio") return `run-log-store: { type: ${store} }\ncatalog: { type: file-system }\n`;
  if (!s3) throw new Error("chunked-minio examples need s3rver: call useS3rver() in the test file");
  const prefix = `w${++prefixes}-`;
  if (dir) s3Prefixes.set(dir, prefix);
  const section = (type: string, p: string): string => `{ type: ${type}, config: ${JSON.stringify(s3!.config("examples", p))} }`;
  return `run-log-store: ${section("chunked-minio", `${prefix}runs/`)}\ncatalog: ${section("s3", `${prefix}catalog/`)}\n`;
}

/** A fresh working directory with the examples' parameters file and .env, and a config file. */
export function workdir(store: StoreName, extraConfig = "", executor: ExecutorName = "local"): { dir: string; config: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-example-")));
  copyFileSync(join(EXAMPLES_DIR, "parameters.yaml"), join(dir, "parameters.yaml"));
  copyFileSync(join(EXAMPLES_DIR, ".env.example"), join(dir, ".env"));
  const config = join(dir, "config.yaml");
  writeFileSync(config, `pipeline-executor: ${executorSection(executor, dir)}\n${storeSections(store, dir)}${extraConfig}`);
  return { dir, config };
}

/**
 * The executor's config section. `local-container` runs the cached test image (podman) with a
 * probe loaded into every step's process, which records the step and whether it ran in a
 * container (`/run/.containerenv`), so {@link run} can prove where each task step ran.
 */
function executorSection(executor: ExecutorName, dir: string): string {
  if (executor !== "local-container") return `{ type: ${executor} }`;
  ensureTestImage();
  writeFileSync(join(dir, PROBE), CONTAINER_PROBE);
  const config = { image: TEST_IMAGE, engine: "podman", run_args: testImageRunArgs(), environment: { NODE_OPTIONS: `--require ${join(dir, PROBE)}` } };
  return `{ type: local-container, config: ${JSON.stringify(config)} }`;
}

const PROBE = "container-probe.js";
const CONTAINER_PROBE = `const fs = require("fs");
const i = process.argv.indexOf("execute-single-node");
if (i >= 0) {
  fs.mkdirSync(${JSON.stringify(".probes")}, { recursive: true });
  fs.writeFileSync(".probes/" + process.pid + "-" + Date.now() + ".json", JSON.stringify({ step: process.argv[i + 3], inContainer: fs.existsSync("/run/.containerenv") }));
}
`;

/**
 * After a local-container run: every task attempt ran in a container (a probe from inside one
 * names its step), none in this process, and no container of the run is left.
 */
function checkRanInContainers(dir: string, runLog: RunLog): void {
  const probes = readdirSync(join(dir, ".probes")).map((f) => JSON.parse(readFileSync(join(dir, ".probes", f), "utf8")) as { step: string; inContainer: boolean });
  const tasks = stepsOf(runLog.steps).filter((s) => s.step_type === "task" && s.attempts.length > 0);
  if (tasks.length === 0) throw new Error("no task step ran");
  for (const task of tasks) {
    const seen = probes.filter((p) => p.step === task.internal_name);
    if (seen.length !== task.attempts.length || !seen.every((p) => p.inContainer)) throw new Error(`step ${task.internal_name} did not run (only) in a container: ${JSON.stringify(seen)}`);
  }
  const left = containersOfRun(runLog.run_id);
  if (left.length > 0) throw new Error(`containers of run ${runLog.run_id} left behind: ${left.join(", ")}`);
}

function stepsOf(steps: Record<string, StepLog>): StepLog[] {
  return Object.values(steps).flatMap((s) => [s, ...Object.values(s.branches).flatMap((b) => stepsOf(b.steps))]);
}

/**
 * Runs an example pipeline in `dir` with `config`. The process moves into `dir` for the run, as
 * `runnable execute` would run there: the example functions use relative paths.
 */
export async function run(pipeline: Pipeline, dir: string, config: string, extra: { parametersFile?: string; runId?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    const result = await runOnly(pipeline, dir, config, extra);
    if (existsSync(join(dir, PROBE))) checkRanInContainers(dir, result.runLog);
    return result;
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
