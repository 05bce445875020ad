import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  executeSingleJob,
  executeSingleNode,
  fanStep,
  loadDefinition,
  loadJobDefinition,
  parseResumeData,
  runJob,
  SUSPENDED_EXIT_CODE,
  runPipeline,
  validateRunId,
  withRunLogStore,
  type DefinitionSource,
  type ResumeRequest,
  type RunProgress,
  type RunResult,
} from "@runnable-ts/runtime";
import { RunnableError, type GraphDef, type RunEvent, type RunLog } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import { withInterruption } from "../interrupt";
import type { Output } from "../output";
import { createRunView, type RunView } from "../run-view";

/** Flags of `runnable execute`. */
export interface ExecuteFlags {
  parameters?: string | undefined;
  runId?: string | undefined;
  tag?: string | undefined;
  json: boolean;
  quiet: boolean;
  events?: boolean | undefined;
}

/**
 * `runnable execute <file>`: runs a YAML pipeline or a module exporting `pipeline`. Prints a
 * line per finished step (nothing with --quiet but the summary; the run log with --json).
 * Exit code 1 when the run fails.
 */
export async function executeCommand(ctx: CommandContext, file: string, flags: ExecuteFlags, output: Output): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  if (flags.runId !== undefined) validateRunId(flags.runId, "--run-id");
  const definition = await loadDefinition(file, cwd);
  const view = createRunView(flags, output);
  return withInterruption(output, async (signal) => report(await run(ctx, definition.graph, definition.source, flags, output, signal, view), view, output));
}

/**
 * `runnable retry <run_id> [--from <step>]`: re-runs a failed (or cancelled, or crashed) run from its
 * failure point, with the definition recorded in its run log; with `--from`, from that step, even
 * what succeeded after it (a succeeded run too). Exit code 1 when the retry fails too.
 */
export async function retryCommand(ctx: CommandContext, runId: string, flags: ExecuteFlags & { from?: string | undefined }, output: Output): Promise<number> {
  return rerun(ctx, runId, flags, output);
}

/**
 * `runnable resume <run_id>`: runs the suspended step (`--step`, needed when several are) of a
 * SUSPENDED run again with `--data` / `--data-file` as `ctx.resumeData`, then goes on as a retry
 * does. Exit code 0 when the run then succeeds, 3 when it is SUSPENDED again, 1 when it fails.
 */
export async function resumeCommand(
  ctx: CommandContext,
  runId: string,
  flags: ExecuteFlags & { step?: string | undefined; data?: string | undefined; dataFile?: string | undefined },
  output: Output,
): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  let data: unknown = null;
  if (flags.data !== undefined) data = parseResumeData(flags.data, "--data");
  else if (flags.dataFile !== undefined) {
    const file = resolve(cwd, flags.dataFile);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new RunnableError("E_RESUME_DATA_INVALID", `--data-file ${flags.dataFile}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { file });
    }
    data = parseResumeData(text, `--data-file ${flags.dataFile}`);
  }
  return rerun(ctx, runId, flags, output, { step: flags.step, data });
}

async function rerun(ctx: CommandContext, runId: string, flags: ExecuteFlags & { from?: string | undefined }, output: Output, resume?: ResumeRequest): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  validateRunId(runId, resume ? "the run id to resume" : "the run id to retry");
  const config = await withRunLogStore({ cwd, configurationFile: ctx.kernelOptions.configFile }, async (store) => {
    if (!(await store.exists(runId))) throw new RunnableError("E_RUN_NOT_FOUND", `No run "${runId}" in the configured run-log store (pass the config the run used with -c)`, { runId });
    return (await store.getRunLog(runId)).run_config;
  });
  const file = config.pipeline_definition_file;
  if (typeof file !== "string") throw new RunnableError("E_USAGE", `Run "${runId}" does not record where its pipeline was defined; run the definition with RUNNABLE_RETRY_RUN_ID=${runId}`, { runId });
  const definition = await loadDefinition(file, cwd, config.pipeline_definition_export);
  const view = createRunView(flags, output);
  return withInterruption(output, async (signal) => report(await run(ctx, definition.graph, definition.source, { ...flags, retryRunId: runId, resume }, output, signal, view), view, output));
}

function run(
  ctx: CommandContext,
  graph: GraphDef,
  source: DefinitionSource,
  flags: ExecuteFlags & { retryRunId?: string; resume?: ResumeRequest | undefined; from?: string | undefined },
  output: Output, signal: AbortSignal, view: RunView): Promise<RunResult> {
  // A view that shows no events (--quiet, --json) gets none: the run builds none.
  const needs = view.needs;
  const onEvent = (event: RunEvent): void => view.onEvent(event);
  return runPipeline(graph, {
    definition: source,
    cwd: ctx.kernelOptions.cwd ?? process.cwd(),
    configurationFile: ctx.kernelOptions.configFile,
    parametersFile: flags.parameters,
    runId: flags.runId,
    tag: flags.tag,
    ...(needs ? { onEvent, eventDetail: needs } : {}),
    // A view that samples the run (the live view) gets its progress.
    ...(view.watch ? { onProgress: (progress: RunProgress) => view.watch!(progress) } : {}),
    onWarning: (message) => output.err(`warning: ${message}`),
    signal,
    ...(flags.retryRunId ? { retryRunId: flags.retryRunId } : {}),
    ...(flags.resume ? { resume: flags.resume } : {}),
    ...(flags.from !== undefined ? { retryFrom: flags.from } : {}),
  });
}

function report(result: RunResult, view: RunView, output: Output): number {
  // An executor that compiles (argo) ran nothing: say what it wrote.
  if (result.compiled !== undefined) {
    output.out(result.compiled);
    return 0;
  }
  view.finish(result);
  return exitCodeOf(result.status);
}

/** 0 for SUCCESS, 3 ({@link SUSPENDED_EXIT_CODE}) for SUSPENDED — so that `runnable execute && next` does not go on — else 1. */
function exitCodeOf(status: string): number {
  return status === "SUCCESS" ? 0 : status === "SUSPENDED" ? SUSPENDED_EXIT_CODE : 1;
}

/** How a command that runs something prints: `--json` (a JSON document only), `--quiet` (the final line only), `--events` (JSON events only), or plain lines. */
export interface OutputFlags {
  json: boolean;
  quiet: boolean;
  events?: boolean | undefined;
}

/**
 * `runnable execute-single-node <run_id> <definition> <step>`: runs exactly one step of an
 * existing run (what out-of-process executors start). Prints `run <id> step <step>: STATUS`
 * (`--json`: the run log afterwards). Exit code 0 when the step succeeded, 1 when it failed.
 */
export async function executeSingleNodeCommand(
  ctx: CommandContext,
  args: {
    runId: string;
    file: string;
    step: string;
    iterVariable?: string | undefined;
    exportName?: string | undefined;
    job: boolean;
    create: boolean;
    parameters?: string | undefined;
    oneAttempt?: boolean;
  } & OutputFlags,
  output: Output,
): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  args = { ...args, runId: retryRunId(args.runId) };
  validateRunId(args.runId);
  const iterVars = parseIterVars(args.iterVariable);
  const onEvent = args.events ? (event: RunEvent): void => output.out(JSON.stringify(event)) : undefined;
  const status = await withInterruption(output, async (signal) => {
    if (args.job) {
      const job = await loadJobDefinition(args.file, cwd, args.exportName);
      return (await executeSingleJob(job.node, { runId: args.runId, cwd, configurationFile: ctx.kernelOptions.configFile, signal, ...(onEvent ? { onEvent } : {}) })) === "SUCCESS" ? 0 : 1;
    }
    const definition = await loadDefinition(args.file, cwd, args.exportName);
    const outcome = await executeSingleNode(definition.graph, {
      runId: args.runId,
      step: args.step,
      iterVars,
      cwd,
      configurationFile: ctx.kernelOptions.configFile,
      signal,
      ...(onEvent ? { onEvent } : {}),
      ...(args.create ? { create: { definition: definition.source, parametersFile: args.parameters } } : {}),
      ...(args.oneAttempt ? { oneAttempt: true } : {}),
    });
    return exitCodeOf(outcome);
  });
  if (args.events) return status;
  if (args.json) output.out(JSON.stringify(await readRunLog(ctx, args.runId), null, 2));
  else output.out(`run ${args.runId} ${args.job ? "job" : `step ${args.step}`}: ${status === 0 ? "SUCCESS" : status === SUSPENDED_EXIT_CODE ? "SUSPENDED" : "FAIL"}`);
  return status;
}

/** What a failed run's log says about why, when no step line said it (an interruption, an executor crash). */
function failureHint(log: RunLog): string {
  return log.status !== "SUCCESS" && log.run_config.error ? `  — ${log.run_config.error}` : "";
}

function readRunLog(ctx: CommandContext, runId: string): Promise<RunLog> {
  return withRunLogStore({ cwd: ctx.kernelOptions.cwd ?? process.cwd(), configurationFile: ctx.kernelOptions.configFile }, (store) => store.getRunLog(runId));
}

/**
 * The run a re-entered step belongs to: `RUNNABLE_RETRY_RUN_ID` when set (an orchestrator
 * re-submitting a failed run, e.g. Argo's `retry_run_id` argument), else the one given.
 */
function retryRunId(runId: string): string {
  return process.env.RUNNABLE_RETRY_RUN_ID || runId;
}

function parseIterVars(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RunnableError("E_USAGE", `--iter-variable must be a JSON object, got ${text}`);
}

/**
 * `runnable fan <run_id> <definition> <step> <in|out>`: a composite step's fan-out (create its
 * branch logs; print the branches to run as JSON) or fan-in (collect their outcomes; merge or
 * reduce their parameters). For orchestrators that run branches as separate jobs.
 */
export async function fanCommand(
  ctx: CommandContext,
  args: {
    runId: string;
    file: string;
    step: string;
    mode: string;
    iterVariable?: string | undefined;
    exportName?: string | undefined;
    create?: boolean;
    parameters?: string | undefined;
    outputFile?: string | undefined;
  } & OutputFlags,
  output: Output,
): Promise<number> {
  args = { ...args, runId: retryRunId(args.runId) };
  validateRunId(args.runId);
  if (args.mode !== "in" && args.mode !== "out" && args.mode !== "next") throw new RunnableError("E_USAGE", `fan takes "in", "out" or "next" (a loop's next iteration), got "${args.mode}"`);
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const definition = await loadDefinition(args.file, cwd, args.exportName);
  const result = await fanStep(definition.graph, {
    runId: args.runId,
    step: args.step,
    iterVars: parseIterVars(args.iterVariable),
    cwd,
    configurationFile: ctx.kernelOptions.configFile,
    mode: args.mode,
    ...(args.create ? { create: { definition: definition.source, parametersFile: args.parameters } } : {}),
  });
  // For orchestrators that read a file (Argo's outputs.parameters valueFrom.path): one entry per branch to run.
  if (args.outputFile) {
    const branches = result.branches.map((b) => ({ key: b.key, iter_variable: JSON.stringify(b.iterVars) }));
    mkdirSync(dirname(resolve(cwd, args.outputFile)), { recursive: true });
    writeFileSync(resolve(cwd, args.outputFile), JSON.stringify(branches));
  }
  // The JSON result is what orchestrators read (default and --json); --quiet prints only the outcome.
  if (args.quiet && !args.json) output.out(`fan ${args.mode} ${args.step} of run ${args.runId}: ${result.status}${args.mode === "out" ? ` (${result.branches.length} branches)` : ""}`);
  else output.out(JSON.stringify(result));
  return result.status === "FAIL" ? 1 : 0;
}

/** `runnable execute-job <file>`: runs a module's job through the configured job executor. Exit code 1 when it fails. */
export async function executeJobCommand(ctx: CommandContext, file: string, flags: ExecuteFlags & { exportName?: string | undefined }, output: Output): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  if (flags.runId !== undefined) validateRunId(flags.runId, "--run-id");
  const job = await loadJobDefinition(file, cwd, flags.exportName);
  return withInterruption(output, async (signal) => {
    const result = await runJob(job.node, {
      definition: job.source,
      cwd,
      configurationFile: ctx.kernelOptions.configFile,
      parametersFile: flags.parameters,
      runId: flags.runId,
      tag: flags.tag,
      signal,
      ...(flags.events ? { onEvent: (event: RunEvent) => output.out(JSON.stringify(event)) } : {}),
    });
    if (result.compiled !== undefined) {
      output.out(result.compiled);
      return 0;
    }
    if (flags.events) return result.status === "SUCCESS" ? 0 : 1;
    if (flags.json) output.out(JSON.stringify(result.runLog, null, 2));
    else output.out(`job ${result.runId}: ${result.status}${result.runLog.job?.message ? `  — ${result.runLog.job.message}` : failureHint(result.runLog)}`);
    return result.status === "SUCCESS" ? 0 : 1;
  });
}
