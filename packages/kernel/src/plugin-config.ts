import { ConfigError, type PluginDefinition } from "@runnable-ts/sdk";

/** Where a plugin's config section came from, for error messages. */
export interface ConfigOrigin {
  file: string | undefined;
  /** Key path of the section, e.g. `run-log-store.config`. */
  section: string;
}

/**
 * Validates a plugin's config section against its schema. Unknown keys are rejected here,
 * whatever the plugin's schema says (object schemas expose their keys through `shape`); a
 * plugin without a schema takes no keys at all.
 *
 * @throws ConfigError `E_CONFIG_INVALID` naming the plugin, the key path and the file.
 */
export function validatePluginConfig(
  definition: PluginDefinition<never, unknown> | PluginDefinition,
  label: string,
  raw: Readonly<Record<string, unknown>>,
  origin: ConfigOrigin,
): unknown {
  const schema = definition.configSchema as
    | { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }; shape?: Record<string, unknown> }
    | undefined;
  const where = origin.file ?? "(defaults)";
  const known = schema === undefined ? [] : schema.shape !== undefined ? Object.keys(schema.shape) : undefined;
  if (known !== undefined) {
    const unknown = Object.keys(raw).filter((k) => !known.includes(k));
    if (unknown.length > 0)
      throw new ConfigError(
        "E_CONFIG_INVALID",
        `Plugin ${label}: unknown config key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} at ${origin.section}.${unknown[0]} in ${where}; known keys: ${known.join(", ") || "none"}`,
        { plugin: label, file: origin.file, path: `${origin.section}.${unknown[0]}` },
      );
  }
  if (schema === undefined) return Object.freeze({});
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = [origin.section, ...(issue?.path ?? []).map(String)].join(".");
    throw new ConfigError(
      "E_CONFIG_INVALID",
      `Plugin ${label}: invalid config at ${path} in ${where}: ${result.error.issues.map((i) => `${[origin.section, ...i.path.map(String)].join(".")}: ${i.message}`).join("; ")}`,
      { plugin: label, file: origin.file, path },
    );
  }
  return typeof result.data === "object" && result.data !== null ? Object.freeze(result.data) : result.data;
}
