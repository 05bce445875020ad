import { Kernel } from "@runnable-ts/kernel";
import { executeSingleJob, executeSingleNode, fanStep, loadDefinition, loadJobDefinition, runJob, runPipeline, type DefinitionSource, type RunResult } from "@runnable-ts/runtime";
import { RunnableError, type GraphDef, type RunEvent } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import type { Output } from "../output";

/** Flags of `runnable execute`. */
export interface ExecuteFlags {
  parameters?: string | undefined;
  runId?: string | undefined;
  tag?: string | undefined;
  json: boolean;
  quiet: boolean;
}

const MARK: Record<string, string> = { SUCCESS: "ok  ", FAIL: "FAIL" };

/**
 * `runnable execute <file>`: runs a YAML pipeline or a module exporting `pipeline`. Prints a
 * line per finished step (nothing with --quiet but the summary; the run log with --json).
 * Exit code 1 when the run fails.
 */
export async function executeCommand(ctx: CommandContext, file: string, flags: ExecuteFlags, output: Output): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const definition = await loadDefinition(file, cwd);
  return report(await run(ctx, definition.graph, definition.source, flags, output), flags, output);
}

/**
 * `runnable retry <run_id>`: re-runs a failed (or cancelled, or crashed) run from its failure
 * point, with the definition recorded in its run log. Exit code 1 when the retry fails too.
 */
export async function retryCommand(ctx: CommandContext, runId: string, flags: ExecuteFlags, output: Output): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const kernel = await Kernel.create(ctx.kernelOptions);
  const scope = await kernel.createRun();
  let config: Record<string, unknown>;
  try {
    const store = scope.get("run-log-store");
    if (!(await store.exists(runId))) throw new RunnableError("E_RUN_NOT_FOUND", `No run "${runId}" in the configured run-log store (pass the config the run used with -c)`, { runId });
    config = (await store.getRunLog(runId)).run_config;
  } finally {
    await scope.get("run-log-store").close?.();
    await scope.dispose();
  }
  const file = config.pipeline_definition_file;
  if (typeof file !== "string") throw new RunnableError("E_USAGE", `Run "${runId}" does not record where its pipeline was defined; run the definition with RUNNABLE_RETRY_RUN_ID=${runId}`, { runId });
  const exportName = typeof config.pipeline_definition_export === "string" ? config.pipeline_definition_export : undefined;
  const definition = await loadDefinition(file, cwd, exportName);
  return report(await run(ctx, definition.graph, definition.source, { ...flags, retryRunId: runId }, output), flags, output);
}

function run(ctx: CommandContext, graph: GraphDef, source: DefinitionSource, flags: ExecuteFlags & { retryRunId?: string }, output: Output): Promise<RunResult> {
  const onEvent = (event: RunEvent): void => {
    if (flags.quiet || flags.json) return;
    if (event.type === "step_completed") output.out(`${MARK[String(event.status)] ?? String(event.status)}  ${event.step}${event.message ? `  — ${String(event.message)}` : ""}`);
    if (event.type === "step_skipped") output.out(`skip  ${event.step}  (${String(event.reason)})`);
  };
  return whileInterruptible((signal) => runPipeline(graph, {
    signal,
    definition: source,
    cwd: ctx.kernelOptions.cwd ?? process.cwd(),
    configurationFile: ctx.kernelOptions.configFile,
    parametersFile: flags.parameters,
    runId: flags.runId,
    tag: flags.tag,
    onEvent,
    onWarning: (message) => output.err(`warning: ${message}`),
    ...(flags.retryRunId ? { retryRunId: flags.retryRunId } : {}),
  }));
}

/**
 * Runs `work` with a signal that the first Ctrl-C (SIGINT) or SIGTERM aborts: the run records
 * the cancellation and stops what it launched (subprocesses, containers). A second one exits at once.
 */
async function whileInterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`interrupted (${name})`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function report(result: RunResult, flags: ExecuteFlags, output: Output): number {
  if (flags.json) output.out(JSON.stringify(result.runLog, null, 2));
  else output.out(`run ${result.runId}: ${result.status}`);
  return result.status === "SUCCESS" ? 0 : 1;
}

/**
 * `runnable execute-single-node <run_id> <definition> <step>`: runs exactly one step of an
 * existing run (what out-of-process executors start). Exit code 0 when the step succeeded, 1
 * when it failed.
 */
export async function executeSingleNodeCommand(
  ctx: CommandContext,
  args: { runId: string; file: string; step: string; iterVariable?: string | undefined; exportName?: string | undefined; job: boolean; create: boolean; parameters?: string | undefined },
): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  if (args.job) {
    const job = await loadJobDefinition(args.file, cwd, args.exportName);
    return (await executeSingleJob(job.node, { runId: args.runId, cwd, configurationFile: ctx.kernelOptions.configFile })) === "SUCCESS" ? 0 : 1;
  }
  const definition = await loadDefinition(args.file, cwd, args.exportName);
  const status = await executeSingleNode(definition.graph, {
    runId: args.runId,
    step: args.step,
    iterVars: parseIterVars(args.iterVariable),
    cwd,
    configurationFile: ctx.kernelOptions.configFile,
    ...(args.create ? { create: { definition: definition.source, parametersFile: args.parameters } } : {}),
  });
  return status === "SUCCESS" ? 0 : 1;
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
  args: { runId: string; file: string; step: string; mode: string; iterVariable?: string | undefined; exportName?: string | undefined },
  output: Output,
): Promise<number> {
  if (args.mode !== "in" && args.mode !== "out") throw new RunnableError("E_USAGE", `fan takes "in" or "out", got "${args.mode}"`);
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const definition = await loadDefinition(args.file, cwd, args.exportName);
  const result = await fanStep(definition.graph, {
    runId: args.runId,
    step: args.step,
    iterVars: parseIterVars(args.iterVariable),
    cwd,
    configurationFile: ctx.kernelOptions.configFile,
    mode: args.mode,
  });
  output.out(JSON.stringify(result));
  return result.status === "FAIL" ? 1 : 0;
}

/** `runnable execute-job <file>`: runs a module's job through the configured job executor. Exit code 1 when it fails. */
export async function executeJobCommand(ctx: CommandContext, file: string, flags: ExecuteFlags & { exportName?: string | undefined }, output: Output): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const job = await loadJobDefinition(file, cwd, flags.exportName);
  const result = await whileInterruptible((signal) => runJob(job.node, {
    signal,
    definition: job.source,
    cwd,
    configurationFile: ctx.kernelOptions.configFile,
    parametersFile: flags.parameters,
    runId: flags.runId,
    tag: flags.tag,
  }));
  if (flags.json) output.out(JSON.stringify(result.runLog, null, 2));
  else output.out(`job ${result.runId}: ${result.status}${result.runLog.job?.message ? `  — ${result.runLog.job.message}` : ""}`);
  return result.status === "SUCCESS" ? 0 : 1;
}
