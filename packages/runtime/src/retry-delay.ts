import type { RetryPolicy, StepAttempt } from "@runnable-ts/sdk";

/**
 * The delay before retry `k` (1 for the second attempt) of a task: `retryDelayMs * backoff^(k-1)`,
 * capped by `max_delay_ms`, with `jitter` a uniform value in [delay / 2, delay].
 */
export function retryDelay(retryDelayMs: number, policy: RetryPolicy | undefined, k: number, random: () => number = Math.random): number {
  let delay = retryDelayMs * Math.pow(policy?.backoff ?? 1, Math.max(0, k - 1));
  if (policy?.max_delay_ms !== undefined) delay = Math.min(delay, policy.max_delay_ms);
  if (policy?.jitter) delay = delay / 2 + random() * (delay / 2);
  return Math.round(delay);
}

/** True when a failed attempt may be retried under the policy: no `retry_on`, or its error's name or code is listed. */
export function retryable(policy: RetryPolicy | undefined, attempt: StepAttempt): boolean {
  const on = policy?.retry_on;
  if (!on) return true;
  const error = attempt.error;
  return error !== undefined && (on.includes(error.name) || (error.code !== undefined && on.includes(error.code)));
}
