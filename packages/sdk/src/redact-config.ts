/** Config keys whose values are credentials: never printed (`runnable config`), logged or recorded. */
export const CREDENTIAL_KEY = /secret|password|passwd|token|credential|access_key|private_key|api_key/i;

/**
 * A copy of a plugin's config for display with every credential value (keys matching
 * {@link CREDENTIAL_KEY}, at any depth) replaced by `***`.
 */
export function redactConfig<T>(config: T): T {
  if (Array.isArray(config)) return config.map((v) => redactConfig(v)) as T;
  if (typeof config !== "object" || config === null) return config;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, CREDENTIAL_KEY.test(k) && v !== undefined && v !== null ? "***" : redactConfig(v)])) as T;
}
