/**
 * A task's retry policy beyond `max_attempts` / `retry_delay_ms` (the node's `retry` field):
 * the delay before retry k (k = 1 for the second attempt) is `retry_delay_ms * backoff^(k-1)`,
 * at most `max_delay_ms`; with `jitter`, a uniformly random value between half of it and all of
 * it. With `retry_on`, only an error whose `name` or `code` is listed is retried.
 */
export interface RetryPolicy {
  /** Multiplier of the delay per retry (default 1: a constant delay). */
  readonly backoff?: number;
  /** Upper bound of a delay, in ms. */
  readonly max_delay_ms?: number;
  /** Randomise each delay within [delay / 2, delay]. */
  readonly jitter?: boolean;
  /** Error names (`TypeError`) or codes (`E_TIMEOUT`, `ECONNRESET`) worth retrying; others fail at once. */
  readonly retry_on?: readonly string[];
}

/** The SDK (camelCase) form of {@link RetryPolicy}, as `FunctionTask({ retry: { … } })` takes it. */
export interface RetryOptions {
  backoff?: number;
  maxDelayMs?: number;
  jitter?: boolean;
  retryOn?: string[];
}

/** The node form of SDK retry options. */
export function retryPolicyOf(options: RetryOptions): RetryPolicy {
  return {
    ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    ...(options.maxDelayMs !== undefined ? { max_delay_ms: options.maxDelayMs } : {}),
    ...(options.jitter !== undefined ? { jitter: options.jitter } : {}),
    ...(options.retryOn !== undefined ? { retry_on: options.retryOn } : {}),
  };
}

/** What is wrong with a node's `retry` field (problems, or []): checked when the pipeline is checked. */
export function retryPolicyProblems(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["retry must be an object { backoff, max_delay_ms, jitter, retry_on }"];
  const policy = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(policy)) if (!["backoff", "max_delay_ms", "jitter", "retry_on"].includes(key)) problems.push(`retry has no key "${key}" (it takes backoff, max_delay_ms, jitter, retry_on)`);
  if (policy.backoff !== undefined && (typeof policy.backoff !== "number" || !(policy.backoff >= 1))) problems.push("retry.backoff must be a number >= 1");
  if (policy.max_delay_ms !== undefined && (typeof policy.max_delay_ms !== "number" || !(policy.max_delay_ms >= 0))) problems.push("retry.max_delay_ms must be a number >= 0");
  if (policy.jitter !== undefined && typeof policy.jitter !== "boolean") problems.push("retry.jitter must be true or false");
  if (policy.retry_on !== undefined && (!Array.isArray(policy.retry_on) || policy.retry_on.some((e) => typeof e !== "string" || e === "")))
    problems.push(`retry.retry_on must be a list of error names or codes (e.g. [E_TIMEOUT, TypeError]), got ${JSON.stringify(policy.retry_on)}`);
  return problems;
}
