import {
  isoNow,
  newAttempt,
  type DataCatalogEntry,
  type IterVars,
  type Parameter,
  type Parameters,
  type ReturnSpec,
  type RunServices,
  type StepAttempt,
  type StepLog,
  type TaskNodeDef,
  type TaskType,
  type CodeIdentity,
} from "@runnable-ts/sdk";
import { captureOutput } from "./capture";
import { messageOf, preview, redact } from "./redact";

/** What one attempt of a task needs from the traversal. */
export interface AttemptRequest {
  node: TaskNodeDef;
  internalName: string;
  iterVars: IterVars;
  attemptNumber: number;
  stepLog: StepLog;
  services: RunServices;
  taskType: TaskType;
  getParameters(): Promise<Parameters>;
  setParameters(parameters: Parameters): Promise<void>;
  codeIdentities(): Promise<CodeIdentity[]>;
  /** True when tasks may run at the same time (output capture must keep them apart); "off": do not capture console output. */
  concurrent: boolean | "off";
}

/** Thrown for an attempt that ran out of time. */
class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * Runs one attempt of a task step: catalog get, secrets, input validation, the task type's
 * command (with timeout and cancellation), returns (json / metric / pickled), catalog put and
 * the execution log. Every failure becomes a FAIL attempt with a message; nothing throws.
 */
export async function runAttempt(req: AttemptRequest): Promise<StepAttempt> {
  const { node, services, internalName } = req;
  const start = isoNow();
  const secrets: Record<string, string> = {};
  const logLines: string[] = [];
  let status: "SUCCESS" | "FAIL" = "FAIL";
  let message = "";
  let inputParameters: Parameters = {};
  let usage: { used: Set<string>; available: Parameters } | undefined;
  let outputs: Parameters = {};
  const metrics: Record<string, unknown> = {};
  const getEntries: DataCatalogEntry[] = [];
  const putEntries: DataCatalogEntry[] = [];
  const fail = (error: unknown, prefix = ""): void => {
    status = "FAIL";
    message = `${prefix}${messageOf(error)}`;
    logLines.push(`ERROR: ${message}`);
    if (error instanceof Error && error.stack && !(error instanceof TimeoutError)) logLines.push(error.stack);
  };

  try {
    const parameters = await req.getParameters();
    const available: Parameters = { ...parameters, ...Object.fromEntries(Object.entries(req.iterVars).map(([k, v]) => [k, { kind: "json" as const, value: v }])) };
    const values: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(parameters)) values[name] = p.kind === "object" ? await services.valueOf(p) : p.value;
    Object.assign(values, req.iterVars);
    logLines.push(`Parameters available for the execution: ${Object.keys(values).join(", ")}`);

    if (node.catalog?.get.length) getEntries.push(...(await services.catalog.get({ runId: services.runId, patterns: [...node.catalog.get], cwd: services.cwd })));
    for (const name of node.secrets) secrets[name] = await services.secrets.get(name);
    const used = new Set(Object.keys(req.iterVars));
    inputParameters = available;
    usage = { used, available };
    let params = trackUse(values, used);
    if (node.input) {
      const parsed = node.input.safeParse(params);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`invalid parameter "${issue?.path.map(String).join(".") || "(params)"}": ${issue?.message ?? "rejected by the input schema"}`);
      }
      params = trackUse({ ...values, ...(parsed.data as Record<string, unknown>) }, used);
    }
    if (services.observed) services.emit({ type: "task_started", step: internalName, inputs: preview(params) });
    const returned = await invoke(req, params, available, () => Object.keys(available).forEach((k) => used.add(k)), secrets, logLines);
    outputs = await toParameters(node.returns, returned, req, metrics);
    status = "SUCCESS";
  } catch (error) {
    fail(error);
  }

  if (node.catalog?.put.length) {
    try {
      putEntries.push(
        ...(await services.catalog.put({
          runId: services.runId,
          patterns: [...node.catalog.put],
          cwd: services.cwd,
          storeCopy: node.catalog.store_copy,
          allowMissing: status !== "SUCCESS",
        })),
      );
    } catch (error) {
      if (status === "SUCCESS") fail(error, "catalog put: ");
    }
  }
  const secretValues = Object.values(secrets);
  message = redact(message, secretValues);
  if (status === "SUCCESS" && Object.keys(outputs).length > 0) await req.setParameters(outputs);
  if (services.observed)
    services.emit(
    status === "SUCCESS"
      ? { type: "task_completed", step: internalName, outputs: preview(Object.fromEntries(Object.entries(outputs).map(([k, p]) => [k, p.value]))) }
      : { type: "task_error", step: internalName, error: message.slice(0, 256) },
  );
  if (logLines.length > 1 || status !== "SUCCESS") {
    // Only tasks that wrote something (or failed) leave an execution log: an empty log per
    // no-op step would cost a file each and say nothing.
    const logName = `${internalName}.attempt${req.attemptNumber}.execution.log`;
    try {
      await services.catalog.putBytes(services.runId, logName, Buffer.from(redact(logLines.join("\n"), secretValues)));
    } catch {
      // An execution log that cannot be stored does not change the task's outcome.
    }
  }
  addEntries(req.stepLog, putEntries, getEntries);
  if (usage) inputParameters = Object.fromEntries(Object.entries(usage.available).filter(([k]) => usage!.used.has(k)));
  return newAttempt({
    attempt_number: req.attemptNumber,
    start_time: start,
    end_time: isoNow(),
    status,
    message,
    input_parameters: inputParameters,
    output_parameters: outputs,
    user_defined_metrics: metrics,
    retry_indicator: services.retryIndicator,
    code_identities: await req.codeIdentities(),
  });
}

/**
 * The parameters object a task receives, recording which parameters it reads: the attempt's
 * `input_parameters` are those (plus map variables / loop indices), not every parameter in
 * scope — a map over 10,000 items would otherwise copy the list into every iteration's log.
 */
function trackUse(values: Record<string, unknown>, used: Set<string>): Record<string, unknown> {
  return new Proxy(values, {
    get(target, key, receiver) {
      if (typeof key === "string" && key in target) used.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string" && key in target) used.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      for (const key of Reflect.ownKeys(target)) if (typeof key === "string") used.add(key);
      return Reflect.ownKeys(target);
    },
  });
}

async function invoke(
  req: AttemptRequest,
  params: Record<string, unknown>,
  parameters: Parameters,
  useAll: () => void,
  secrets: Record<string, string>,
  logLines: string[],
): Promise<Record<string, unknown>> {
  const { node, services } = req;
  // Without a timeout the task shares the run's signal (no controller per attempt); with one,
  // its own controller follows the run's signal and the timer.
  let signal = services.signal;
  let timer: NodeJS.Timeout | undefined;
  let onRunAbort: (() => void) | undefined;
  if (node.timeout_ms !== undefined) {
    const controller = new AbortController();
    onRunAbort = (): void => controller.abort(services.signal.reason);
    if (services.signal.aborted) onRunAbort();
    services.signal.addEventListener("abort", onRunAbort, { once: true });
    timer = setTimeout(() => controller.abort(new TimeoutError(node.timeout_ms!)), node.timeout_ms);
    signal = controller.signal;
  }
  try {
    const captured = await captureOutput((log) => {
      const running = req.taskType.execute({
        node,
        params,
        get parameters() {
          useAll();
          return parameters;
        },
        iterVars: req.iterVars,
        secrets,
        runId: services.runId,
        stepName: req.internalName,
        attempt: req.attemptNumber,
        cwd: services.cwd,
        signal,
        emit: (event) => services.emitFrom(req.internalName, event),
        log,
        loadExport: (ref) => services.loadExport(ref),
      });
      return untilAborted(running, signal);
    }, req.concurrent);
    if (captured.output) logLines.push(captured.output);
    if ("error" in captured && captured.error !== undefined) throw captured.error;
    return captured.result ?? {};
  } finally {
    if (timer) clearTimeout(timer);
    if (onRunAbort) services.signal.removeEventListener("abort", onRunAbort);
  }
}

/**
 * `running`, or a rejection as soon as `signal` aborts (a task that ignores its signal is left
 * behind, its outcome ignored). The abort listener is removed when the task settles, so nothing
 * accumulates on the run's signal over thousands of attempts.
 */
function untilAborted<T>(running: Promise<T>, signal: AbortSignal): Promise<T> {
  const reasonOf = (): unknown => (signal.reason instanceof TimeoutError ? signal.reason : new Error(`cancelled: ${messageOf(signal.reason ?? "the run was cancelled")}`));
  if (signal.aborted) {
    running.catch(() => undefined);
    return Promise.reject(reasonOf());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonOf());
    signal.addEventListener("abort", onAbort, { once: true });
    running.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

async function toParameters(returns: readonly ReturnSpec[], values: Record<string, unknown>, req: AttemptRequest, metrics: Record<string, unknown>): Promise<Parameters> {
  const out: Parameters = {};
  for (const spec of returns) {
    if (!(spec.name in values)) throw new Error(`the task did not return "${spec.name}"`);
    const value = values[spec.name];
    if (spec.kind === "object") {
      const name = `objects/${req.internalName}/${spec.name}${req.services.pickler.extension}`;
      let data: Uint8Array;
      try {
        data = await req.services.pickler.dumps(value);
      } catch (error) {
        throw new Error(`cannot pickle return "${spec.name}": ${messageOf(error)}`);
      }
      await req.services.catalog.putBytes(req.services.runId, name, data);
      out[spec.name] = { kind: "object", value: name };
      continue;
    }
    const problem = jsonProblem(value);
    if (problem) throw new Error(`return "${spec.name}" is not JSON (${problem}); declare it pickled("${spec.name}") to store it through the pickler`);
    const parameter: Parameter = { kind: spec.kind, value };
    if (spec.kind === "metric") metrics[spec.name] = value;
    out[spec.name] = parameter;
  }
  return out;
}

/** Why `value` does not survive a JSON round trip, or undefined when it does. */
export function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 100) return "nested too deeply";
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `the number ${value}`;
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = jsonProblem(item, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `a ${(value as object).constructor?.name ?? "class"} instance`;
    for (const item of Object.values(value)) {
      const p = jsonProblem(item, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  return `a ${typeof value}`;
}

function addEntries(stepLog: StepLog, put: DataCatalogEntry[], get: DataCatalogEntry[]): void {
  for (const entry of [...put, ...get]) {
    const existing = stepLog.data_catalog.findIndex((e) => e.name === entry.name && e.stage === entry.stage);
    if (existing >= 0) stepLog.data_catalog[existing] = entry;
    else stepLog.data_catalog.push(entry);
  }
}
