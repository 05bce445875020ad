/**
 * Stable error codes. Tests and tools match on these, never on the message text.
 */
export const ERROR_CODES = [
  "E_PLUGIN_NOT_FOUND",
  "E_PLUGIN_CONFLICT",
  "E_PLUGIN_LOAD",
  "E_PLUGIN_INVALID",
  "E_PLUGIN_FACTORY",
  "E_MANIFEST_INVALID",
  "E_CONFIG_INVALID",
  "E_CONFIG_NOT_FOUND",
  "E_CONFIG_VAR_MISSING",
  "E_GRAPH_INVALID",
  "E_RUN_EXISTS",
  "E_RUN_NOT_FOUND",
  "E_RUN_LOG_CORRUPT",
  "E_STORE",
  "E_ENDPOINT_UNREACHABLE",
  "E_ACCESS_DENIED",
  "E_RETRY_DAG_CHANGED",
  "E_EXECUTION_FAILED",
  "E_SECRET_NOT_FOUND",
  "E_CATALOG",
  "E_PARAMETERS_INVALID",
  "E_NOT_FANNABLE",
  "E_FAN_IN_UNFINISHED",
  "E_BRANCH_INVALID",
  "E_USAGE",
  // One task attempt (packages/runtime/src/attempt): what made it FAIL.
  "E_TASK_FAILED",
  "E_TIMEOUT",
  "E_CANCELLED",
  "E_INPUT_INVALID",
  "E_RETURN_INVALID",
  "E_SECRET_LEAK",
  "E_UNHANDLED_REJECTION",
  // Command line, run ids, plugin loading, IO.
  "E_RUN_ID_INVALID",
  "E_PLUGIN_TIMEOUT",
  "E_INTERRUPTED",
  "E_IO",
  "E_INTERNAL",
  "E_FAN_INVALID",
  "E_ENGINE_NOT_FOUND",
  "E_IMAGE_NOT_FOUND",
  "E_WORKFLOW_INVALID",
  // Durable runs (suspend / resume, retry from a step, retry policy, step cache).
  "E_SUSPENDED",
  "E_SUSPEND_UNSUPPORTED",
  "E_NOT_SUSPENDED",
  "E_STEP_NOT_SUSPENDED",
  "E_RESUME_AMBIGUOUS",
  "E_RESUME_DATA_INVALID",
  "E_RUN_SUSPENDED",
  "E_RETRY_FROM_INVALID",
  "E_CACHE_KEY_FAILED",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Context fields carried by a {@link RunnableError}; all optional. */
export interface ErrorContext {
  plugin?: string;
  kind?: string;
  package?: string;
  file?: string;
  path?: string;
  step?: string;
  runId?: string;
  [key: string]: unknown;
}

const BRAND = Symbol.for("runnable-ts.error");

/**
 * Base class of every error runnable-ts throws on purpose. It carries a stable {@link ErrorCode},
 * an optional `cause` and context fields naming what went wrong and where.
 *
 * Use {@link isRunnableError} rather than `instanceof` when the error may come from another copy
 * of the SDK.
 */
export class RunnableError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RunnableError";
    this.code = code;
    this.context = context;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True when `value` is a {@link RunnableError} from any copy of the SDK. */
export function isRunnableError(value: unknown): value is RunnableError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Thrown when no plugin of the asked kind has the asked name. */
export class PluginNotFoundError extends RunnableError {
  constructor(message: string, context: ErrorContext) {
    super("E_PLUGIN_NOT_FOUND", message, context);
    this.name = "PluginNotFoundError";
  }
}

/** Thrown when two packages declare the same kind/name and the configuration pins neither. */
export class PluginConflictError extends RunnableError {
  constructor(message: string, context: ErrorContext) {
    super("E_PLUGIN_CONFLICT", message, context);
    this.name = "PluginConflictError";
  }
}

/** Thrown when a plugin module cannot be imported (or its import does not settle in time), or its export is missing or malformed. */
export class PluginLoadError extends RunnableError {
  constructor(code: "E_PLUGIN_LOAD" | "E_PLUGIN_INVALID" | "E_PLUGIN_TIMEOUT", message: string, context: ErrorContext, cause?: unknown) {
    super(code, message, context, { cause });
    this.name = "PluginLoadError";
  }
}

/** Thrown when a plugin's `create` (or another hook) throws; wraps the original error. */
export class PluginFactoryError extends RunnableError {
  constructor(message: string, context: ErrorContext, cause?: unknown) {
    super("E_PLUGIN_FACTORY", message, context, { cause });
    this.name = "PluginFactoryError";
  }
}

/** Thrown for a configuration file, or a plugin config section, that is not valid. */
export class ConfigError extends RunnableError {
  constructor(
    code: "E_CONFIG_INVALID" | "E_CONFIG_NOT_FOUND" | "E_CONFIG_VAR_MISSING",
    message: string,
    context: ErrorContext,
    cause?: unknown,
  ) {
    super(code, message, context, { cause });
    this.name = "ConfigError";
  }
}

/** Thrown for a pipeline definition that cannot run (all problems at once, before any run log exists). */
export class GraphError extends RunnableError {
  /** Every problem found, one per line of the message. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[], context: ErrorContext = {}) {
    super("E_GRAPH_INVALID", `The pipeline definition is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`, context);
    this.name = "GraphError";
    this.problems = problems;
  }
}

/**
 * Rejection of `execute()` when the run ends FAIL. Carries the run id and the final run log.
 */
export class ExecutionFailedError extends RunnableError {
  readonly runId: string;
  readonly runLog: unknown;
  constructor(runId: string, runLog: unknown, message?: string) {
    super("E_EXECUTION_FAILED", message ?? `Execution failed for run id: ${runId}`, { runId });
    this.name = "ExecutionFailedError";
    this.runId = runId;
    this.runLog = runLog;
  }
}
