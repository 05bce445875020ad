import { EMPTY_RECORD, isoNow, isPromiseLike, withAttempt, type Awaitable, type CodeIdentity, type DataCatalogEntry, type Parameters, type Status, type StepAttempt, type StepLog, type TaskNodeDef } from "@runnable-ts/sdk";
import type { Co } from "./co";
import { cacheStage } from "./attempt/cache-stage";
import { catalogGetStage, catalogPutStage } from "./attempt/catalog-stage";
import { AttemptContext, runStages, stageList, type AttemptRequest } from "./attempt/context";
import { inputStage } from "./attempt/input-stage";
import { invokeTask } from "./attempt/invoke-stage";
import { executionLogStage, eventsStage, publishStage } from "./attempt/outcome-stage";
import { parametersStage } from "./attempt/parameters-stage";
import { returnsStage } from "./attempt/returns-stage";
import { secretsStage } from "./attempt/secrets-stage";
import { maskDeep } from "./redact";
import { retryable } from "./retry-delay";
import type { StepHost } from "./step-context";

export type { AttemptRequest } from "./attempt/context";

/**
 * What one attempt does, outermost stage first (see `Stage`): before the task, parameters,
 * catalog get, secrets, input validation and the step cache's look-up; after it, returns and
 * the step cache's record; once the outcome is known, catalog put, publishing the outputs,
 * events and the execution log.
 */
const STAGES = stageList([executionLogStage, eventsStage, publishStage, catalogPutStage, parametersStage, catalogGetStage, secretsStage, inputStage, cacheStage, returnsStage]);

/**
 * One attempt of a task step, as a coroutine the traversal runs inline (see `co.ts`):
 * parameters, catalog get, secrets, input validation, the task type's command (with timeout and
 * cancellation), returns (json / metric / pickled), catalog put, the execution log — each a
 * stage in `attempt/` — and the attempt's record. Every failure becomes a FAIL attempt with a
 * message; nothing throws. It runs to its end within the call when no stage waited (a plain
 * function on an in-memory store).
 */
export function attempt(req: AttemptRequest): Co<StepAttempt> {
  return runStages(new AttemptContext(req, isoNow()), STAGES, invokeTask, recorded);
}

/** The attempt's record, with the code identities of its task. */
function recorded(ctx: AttemptContext): Awaitable<StepAttempt> {
  const identities = ctx.req.codeIdentities();
  return isPromiseLike(identities) ? identities.then((read) => attemptOf(ctx, read)) : attemptOf(ctx, identities);
}

/** The attempt's record, once its stages are over. */
function attemptOf(ctx: AttemptContext, identities: CodeIdentity[]): StepAttempt {
  const { req } = ctx;
  if (ctx.putEntries.length > 0 || ctx.getEntries.length > 0) addEntries(req.stepLog, ctx.putEntries, ctx.getEntries);
  let inputs: Parameters = EMPTY_RECORD;
  for (const name in ctx.available) if (ctx.used.has(name)) (inputs === EMPTY_RECORD ? (inputs = {}) : inputs)[name] = ctx.available[name]!;
  if (ctx.secretValues.length > 0 && inputs !== EMPTY_RECORD) inputs = maskDeep(inputs, ctx.secretValues);
  // Built as one literal, optional fields assigned after: a spread per optional field would
  // cost more than the rest of the record.
  const attempt: StepAttempt = {
    attempt_number: req.attemptNumber,
    start_time: ctx.start,
    end_time: isoNow(),
    status: ctx.status,
    message: ctx.message,
    input_parameters: inputs,
    output_parameters: ctx.ownOutputs(),
    user_defined_metrics: ctx.ownMetrics(),
    retry_indicator: req.services.retryIndicator,
    code_identities: identities,
  };
  if (ctx.suspension) attempt.suspend_payload = ctx.suspension.payload;
  if (ctx.status === "FAIL" && ctx.error) attempt.error = ctx.error;
  if (ctx.cached) {
    attempt.cached = true;
    attempt.cached_from = ctx.cached.from;
  }
  if (req.resume) attempt.resume_data = req.resume.data ?? null;
  return attempt;
}

function addEntries(stepLog: StepLog, put: readonly DataCatalogEntry[], get: readonly DataCatalogEntry[]): void {
  for (const entry of [...put, ...get]) {
    const existing = stepLog.data_catalog.findIndex((e) => e.name === entry.name && e.stage === entry.stage);
    if (existing >= 0) stepLog.data_catalog[existing] = entry;
    else stepLog.data_catalog.push(entry);
  }
}

/**
 * An attempt's request with its scope: its parameter methods are shared functions of the
 * request (`this`), not two closures per attempt.
 */
export interface ScopedRequest extends AttemptRequest {
  /** Whose scopes the parameters are read from (the traversal running the step). */
  readonly traversal: StepHost;
  readonly scope: string;
}

/** A {@link ScopedRequest}'s `getParameters`: the parameters visible in its scope. */
export function scopeParameters(this: ScopedRequest): Awaitable<Parameters> {
  return this.traversal.effective(this.scope);
}

/** A {@link ScopedRequest}'s `setParameters`: merges into its scope. */
export function setScopeParameters(this: ScopedRequest, parameters: Parameters): Awaitable<void> {
  const { services } = this;
  return services.store.setParameters(services.runId, parameters, this.scope);
}

/**
 * Adds an attempt to its step log (see {@link withAttempt}): the step's status when the attempts are over (success,
 * suspension, a failure not retried or the last attempt's), undefined when another attempt follows.
 */
export function recordAttempt(stepLog: StepLog, node: TaskNodeDef, attempt: StepAttempt, delay: number | undefined, more: boolean): Status | undefined {
  if (delay !== undefined) attempt.delay_ms = delay;
  stepLog.attempts = withAttempt(stepLog.attempts, attempt);
  stepLog.message = attempt.message;
  const status = attempt.status;
  if (status === "SUCCESS" || status === "SUSPENDED") return status;
  if (!retryable(node.retry, attempt)) {
    if (more) stepLog.message = `${attempt.message} (not retried: ${attempt.error?.code ?? attempt.error?.name ?? "the error"} is not in retry.retry_on)`;
    return status;
  }
  return more ? undefined : status;
}
