import { randomBytes } from "node:crypto";
import {
  RunnableError,
  type CodeIdentity,
  type ExecutionCheck,
  type GraphDef,
  type IterVars,
  type JobExecutor,
  type JobLog,
  type Launcher,
  type LaunchRequest,
  type LaunchResult,
  type NodeDef,
  type NodeType,
  type PipelineExecutor,
  type PlacementOptions,
  type RunServices,
  type SecretsProvider,
  type Status,
  type TaskStep,
  type TraversalPolicy,
} from "@runnable-ts/sdk";
import { walkGraphs } from "./graph-check";
import { Limiter } from "./limiter";
import { messageOf, redact } from "./redact";

/**
 * The out-of-process protocol, written once for every executor that runs steps elsewhere
 * (`emulator`: a subprocess; `local-container`: `<engine> run`; later a pod): flush the
 * run-log store, launch `runnable execute-single-node` (or the job form) through the
 * executor's {@link Launcher}, refresh the store, adopt the outcome the launched process
 * recorded, and stop it when the run is cancelled. Executors supply only the launcher.
 */

/** The variable naming (comma-separated) the secrets a launched process finds in its own environment. */
export const SECRETS_FROM_ENV = "RUNNABLE_SECRETS_FROM_ENV";

/** What placing a pipeline's steps needs from the run. */
export interface PipelinePlacementDeps {
  readonly services: RunServices;
  /** The run's environment (its `RUNNABLE_*` and `TRACEPARENT` reach the launched processes). */
  readonly env: NodeJS.ProcessEnv;
  traverse(policy: TraversalPolicy): Promise<Status>;
  stepCommand(internalName: string, iterVars: IterVars): string[];
}

/**
 * Walks the graph here and runs every task step through `launcher`, at most
 * `maxConcurrency` launches at once across the whole run (nested maps included).
 * @throws RunnableError `E_CONFIG_INVALID` for a store other processes cannot read.
 */
export function placeSteps(deps: PipelinePlacementDeps, launcher: Launcher, options: PlacementOptions): Promise<Status> {
  requireSharedStore(deps.services, options.executor);
  const width = Math.max(1, options.maxConcurrency ?? 1);
  const slots = new Limiter(width);
  const taskMiddleware = (step: TaskStep): Promise<Status> => slots.run(() => placeStep(deps, launcher, options, step));
  return deps.traverse({ concurrentBranches: width > 1, maxConcurrency: width, taskMiddleware });
}

async function placeStep(deps: PipelinePlacementDeps, launcher: Launcher, options: PlacementOptions, step: TaskStep): Promise<Status> {
  const { services } = deps;
  const { store, runId } = services;
  const before = step.stepLog.attempts.length;
  const { env, secretNames, secretValues } = await launchEnv(deps.env, services.secrets, options.passSecrets ? step.node : undefined);
  // TRACEPARENT of this step's span (when the run is traced) makes the step's spans join the run's trace.
  Object.assign(env, services.traceEnv?.(step.internalName));
  await store.flush?.();
  const result = await launch(launcher, {
    argv: deps.stepCommand(step.internalName, step.iterVars),
    env,
    secretNames,
    name: launchName(runId, step.internalName),
    node: step.node,
    internalName: step.internalName,
    runId,
    cwd: services.cwd,
    signal: services.signal,
  });
  await store.refresh?.(runId);
  const recorded = await store.getStepLog(runId, step.internalName);
  if (recorded) Object.assign(step.stepLog, { attempts: recorded.attempts, data_catalog: recorded.data_catalog, mock: recorded.mock, message: recorded.message });
  addIdentities(step.stepLog.attempts.slice(before), result.codeIdentities);
  if (ranToAnEnd(result) && recorded && (recorded.status === "SUCCESS" || recorded.status === "FAIL" || recorded.status === "SUSPENDED")) return recorded.status;
  step.stepLog.message = redact(noOutcomeMessage("step", result), secretValues);
  return "FAIL";
}

/** What placing a job needs from the run. */
export interface JobPlacementDeps {
  readonly services: RunServices;
  readonly env: NodeJS.ProcessEnv;
  readonly node: NodeDef;
  jobCommand(): string[];
}

/**
 * Runs a job's attempts through `launcher` against the run's job log and resolves to the
 * status it recorded; a launch that recorded none leaves the job FAIL with the reason.
 * @throws RunnableError `E_CONFIG_INVALID` for a store other processes cannot read.
 */
export async function placeJob(deps: JobPlacementDeps, launcher: Launcher, options: PlacementOptions): Promise<Status> {
  const { services } = deps;
  const { store, runId } = services;
  requireSharedStore(services, options.executor);
  const { env, secretNames, secretValues } = await launchEnv(deps.env, services.secrets, options.passSecrets ? deps.node : undefined);
  await store.flush?.();
  const result = await launch(launcher, {
    argv: deps.jobCommand(),
    env,
    secretNames,
    name: launchName(runId, "job"),
    node: deps.node,
    internalName: "job",
    runId,
    cwd: services.cwd,
    signal: services.signal,
  });
  await store.refresh?.(runId);
  const recorded = (await store.getRunLog(runId)).job;
  const job: JobLog = recorded ?? { status: "FAIL", message: "", mock: false, code_identities: [], attempts: [], data_catalog: [] };
  if (result.codeIdentities?.length) {
    addIdentities(job.attempts, result.codeIdentities);
    job.code_identities = [...job.code_identities, ...result.codeIdentities];
  }
  if (ranToAnEnd(result) && (job.status === "SUCCESS" || job.status === "FAIL")) {
    if (result.codeIdentities?.length) await store.updateRunLog(runId, { job });
    return job.status;
  }
  await store.updateRunLog(runId, { job: { ...job, status: "FAIL", message: redact(noOutcomeMessage("job", result), secretValues) } });
  return "FAIL";
}

/**
 * Runs an executor's optional `check` hook with every step of the definition, before any run
 * log exists (override names, engine, image).
 */
export async function checkExecutor(executor: PipelineExecutor | JobExecutor, graph: GraphDef, nodeTypes: ReadonlyMap<string, NodeType>, services: RunServices): Promise<void> {
  if (!executor.check) return;
  const steps: ExecutionCheck["steps"][number][] = [];
  for (const { graph: g, prefix } of walkGraphs(graph, nodeTypes)) for (const node of Object.values(g.steps)) steps.push({ path: prefix ? `${prefix}.${node.name}` : node.name, node });
  await executor.check({ graph, steps, services });
}

/**
 * The secrets provider of a launched process: the names listed in `RUNNABLE_SECRETS_FROM_ENV`
 * come from its environment (the launcher passed them by name), the rest from `provider`.
 */
export function secretsFromEnv(provider: SecretsProvider, env: NodeJS.ProcessEnv): SecretsProvider {
  const listed = env[SECRETS_FROM_ENV];
  if (!listed) return provider;
  const names = new Set(listed.split(","));
  return { get: async (name) => (names.has(name) && env[name] !== undefined ? env[name] : provider.get(name)) };
}

/**
 * A name for a launch, safe as a container name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 120
 * characters) and unique even when the same step is launched again: `runnable-<run>-<step>-<random>`.
 */
export function launchName(runId: string, internalName: string): string {
  const safe = (text: string) => text.replace(/[^a-zA-Z0-9_.-]+/g, "_");
  return `runnable-${safe(runId)}-${safe(internalName)}`.slice(0, 110) + `-${randomBytes(3).toString("hex")}`;
}

function requireSharedStore(services: RunServices, executor: string): void {
  if (services.store.persistent === false)
    throw new RunnableError("E_CONFIG_INVALID", `The ${executor} executor runs steps in other processes: configure a run-log store they can read (chunked-fs, file-system), not an in-memory one`, {
      plugin: executor,
    });
}

/** The run's RUNNABLE_* and trace variables, plus (when asked) the node's listed secrets. */
async function launchEnv(runEnv: NodeJS.ProcessEnv, secrets: SecretsProvider, node: NodeDef | undefined): Promise<{ env: Record<string, string>; secretNames: string[]; secretValues: string[] }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(runEnv))
    if (value !== undefined && (name.startsWith("RUNNABLE_") || name === "TRACEPARENT" || name === "TRACESTATE") && name !== SECRETS_FROM_ENV) env[name] = value;
  const secretNames: string[] = [];
  const secretValues: string[] = [];
  for (const name of (node?.secrets as readonly string[] | undefined) ?? []) {
    // A secret this machine cannot resolve is left to the launched step, which records the
    // failure as its attempt (as a local run would).
    const value = await secrets.get(name).catch(() => undefined);
    if (value === undefined) continue;
    env[name] = value;
    secretNames.push(name);
    secretValues.push(value);
  }
  if (secretNames.length > 0) env[SECRETS_FROM_ENV] = secretNames.join(",");
  return { env, secretNames, secretValues };
}

/** Launches; a launcher that throws is reported like a launch that could not start. */
async function launch(launcher: Launcher, request: LaunchRequest): Promise<LaunchResult> {
  try {
    return await launcher(request);
  } catch (error) {
    return { code: null, stderr: messageOf(error), notStarted: true };
  }
}

/** Exit code of `runnable execute-single-node` (and of a run) for a step (run) left SUSPENDED. */
export const SUSPENDED_EXIT_CODE = 3;

function ranToAnEnd(result: LaunchResult): boolean {
  return !result.notStarted && (result.code === 0 || result.code === 1 || result.code === SUSPENDED_EXIT_CODE);
}

function noOutcomeMessage(what: "step" | "job", result: LaunchResult): string {
  const tail = result.stderr.trim().split("\n").slice(-3).join(" | ");
  const where = result.where ? ` (${result.where})` : "";
  if (result.notStarted) return `the ${what}'s process${where} could not start${tail ? `: ${tail}` : ""}`;
  return `the ${what}'s process${where} ended with code ${String(result.code)} without recording an outcome${tail ? `: ${tail}` : ""}`;
}

function addIdentities(attempts: { code_identities: CodeIdentity[] }[], identities: readonly CodeIdentity[] | undefined): void {
  if (!identities?.length) return;
  for (const attempt of attempts) attempt.code_identities = [...attempt.code_identities, ...identities];
}
