import { z } from "zod";
import { isPluginKind, type PluginKind, type PluginKinds, type ServiceKind } from "./kinds";
import type { RunEnvironment, Token } from "./tokens";

/** What a plugin's `create` receives besides its config: the run's services, by injection. */
export interface PluginDeps {
  /** The run's configured plugin of a service kind (created on first use, once per run). */
  get<K extends ServiceKind>(kind: K): PluginKinds[K];
  /** Anything registered in the run's container under `token`. */
  resolve<T>(token: Token<T>): T;
  /** Where the run was started. */
  readonly env: RunEnvironment;
}

/** The declared value a manifest entry names: one plugin of one kind. */
export interface PluginDefinition<K extends PluginKind = PluginKind, C = unknown> {
  /** The kind this plugin implements; must match the manifest section that names it. */
  readonly kind: K;
  /** The plugin's own name (the manifest key is what users type; they normally agree). */
  readonly name: string;
  /**
   * Schema of the plugin's config section. Object schemas have unknown keys rejected by the
   * kernel whatever the schema says. Omitted: the plugin takes no config.
   */
  readonly configSchema?: z.ZodType<C>;
  /** One instance per kernel instead of one per run. */
  readonly singleton?: boolean;
  /** Builds the implementation from validated config and the run's services. May throw. */
  create(config: C, deps: PluginDeps): PluginKinds[K];
}

const PLUGIN_BRAND = Symbol.for("runnable-ts.plugin");

/**
 * Declares a plugin. Export the result under the name the manifest entry points at.
 *
 * @example
 * ```ts
 * export const s3Store = definePlugin({
 *   kind: "run-log-store", name: "s3",
 *   configSchema: z.object({ bucket: z.string() }),
 *   create: (config, deps) => new S3RunLogStore(config.bucket),
 * });
 * ```
 * @throws TypeError when `kind` is not a plugin kind or `create` is not a function.
 */
export function definePlugin<K extends PluginKind, C = Record<string, never>>(
  definition: PluginDefinition<K, C>,
): PluginDefinition<K, C> {
  if (!isPluginKind(definition.kind)) throw new TypeError(`definePlugin: unknown kind "${String(definition.kind)}"`);
  if (typeof definition.create !== "function") throw new TypeError(`definePlugin(${definition.name}): create must be a function`);
  return Object.freeze({ ...definition, [PLUGIN_BRAND]: true });
}

/**
 * Checks that `value` has the shape of a plugin definition (from any copy of the SDK, or plain
 * JavaScript without the SDK) and returns the problem, or undefined when it is fine.
 */
export function describePluginShapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return `is ${value === null ? "null" : typeof value}, not a plugin definition object`;
  const v = value as Record<string, unknown>;
  if (typeof v.kind !== "string" || !isPluginKind(v.kind)) return `has no valid "kind" (got ${JSON.stringify(v.kind)})`;
  if (typeof v.create !== "function") return `has no "create" function`;
  if (v.configSchema !== undefined && typeof (v.configSchema as { safeParse?: unknown }).safeParse !== "function")
    return `has a "configSchema" that is not a zod schema`;
  return undefined;
}
