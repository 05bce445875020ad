import { relative } from "node:path";
import {
  ConfigError,
  describePluginShapeProblem,
  PluginConflictError,
  PluginLoadError,
  PluginNotFoundError,
  type PluginDefinition,
  type PluginKind,
} from "@runnable-ts/sdk";
import type { DiscoveredPlugin, DiscoveryResult } from "./discovery";
import type { DiscoveryProblem } from "./manifest";
import { loadModule } from "./module-loader";

/** A plugin whose module has been imported and whose export checked. */
export interface LoadedPlugin<K extends PluginKind = PluginKind> {
  info: DiscoveredPlugin;
  definition: PluginDefinition<K, unknown>;
}

/** Pins: `"<kind>/<name>"` → package name, deciding between packages that declare the same plugin. */
export type PluginPins = Readonly<Record<string, string>>;

/** How long importing one plugin module may take by default (`RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS`). */
export const DEFAULT_PLUGIN_LOAD_TIMEOUT_MS = 30_000;

/**
 * The plugin load timeout from the environment: `RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS` (a positive
 * number of milliseconds), else {@link DEFAULT_PLUGIN_LOAD_TIMEOUT_MS}.
 * @throws ConfigError `E_CONFIG_INVALID` naming the variable when its value is not a positive number.
 */
export function pluginLoadTimeout(env: NodeJS.ProcessEnv): number {
  const raw = env.RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS;
  if (raw === undefined || raw === "") return DEFAULT_PLUGIN_LOAD_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new ConfigError("E_CONFIG_INVALID", `RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS must be a positive number of milliseconds, got ${JSON.stringify(raw)}`, { path: "RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS" });
  return ms;
}

/**
 * The typed view of discovered plugins. Looks plugins up by kind and name, resolves conflicts
 * through pins, and imports a plugin's module only when it is first asked for.
 */
export class PluginRegistry {
  private readonly loads = new Map<DiscoveredPlugin, Promise<LoadedPlugin>>();

  constructor(
    readonly discovery: DiscoveryResult,
    private readonly pins: PluginPins = {},
    /** How long one plugin module's import may take before it fails with `E_PLUGIN_TIMEOUT`. */
    private readonly loadTimeoutMs: number = DEFAULT_PLUGIN_LOAD_TIMEOUT_MS,
  ) {}

  /** Every discovered plugin plus problems: malformed manifests and unpinned conflicts. */
  list(): { plugins: DiscoveredPlugin[]; problems: DiscoveryProblem[] } {
    const problems = [...this.discovery.problems];
    const byKey = new Map<string, DiscoveredPlugin[]>();
    for (const p of this.discovery.plugins) {
      const key = `${p.kind}/${p.name}`;
      byKey.set(key, [...(byKey.get(key) ?? []), p]);
    }
    for (const [key, candidates] of byKey)
      if (candidates.length > 1 && this.pins[key] === undefined)
        problems.push({
          code: "E_PLUGIN_CONFLICT",
          package: candidates.map((c) => c.package).join(", "),
          path: `runnable.${key.replace("/", ".")}`,
          message: conflictMessage(key, candidates),
        });
    return { plugins: [...this.discovery.plugins], problems };
  }

  /**
   * The discovered plugin `kind/name`.
   * @throws PluginNotFoundError listing the known names of that kind and their packages.
   * @throws PluginConflictError when several packages declare it and no pin decides.
   */
  find<K extends PluginKind>(kind: K, name: string): DiscoveredPlugin {
    const key = `${kind}/${name}`;
    const candidates = this.discovery.plugins.filter((p) => p.kind === kind && p.name === name);
    const pin = this.pins[key];
    if (pin !== undefined) {
      const pinned = candidates.find((c) => c.package === pin);
      if (pinned) return pinned;
      throw new PluginNotFoundError(
        `The config pins ${key} to package "${pin}", but ${candidates.length === 0 ? "no package declares it" : `only ${candidates.map((c) => c.package).join(", ")} declare it`}`,
        { kind, plugin: name, package: pin },
      );
    }
    const [first, ...others] = candidates;
    if (!first) throw new PluginNotFoundError(this.notFoundMessage(kind, name), { kind, plugin: name });
    if (others.length > 0) throw new PluginConflictError(conflictMessage(key, candidates), { kind, plugin: name, packages: candidates.map((c) => c.package) });
    return first;
  }

  /**
   * Imports the module of `kind/name` (once) and checks its export.
   * @throws PluginLoadError (`E_PLUGIN_LOAD` when the import throws, `E_PLUGIN_TIMEOUT` when it
   *   does not settle within the load timeout, `E_PLUGIN_INVALID` when the export is missing or
   *   is not a plugin of that kind), naming plugin, package and entry.
   */
  async load<K extends PluginKind>(kind: K, name: string): Promise<LoadedPlugin<K>> {
    const info = this.find(kind, name);
    let pending = this.loads.get(info);
    if (!pending) {
      pending = importPlugin(info, this.loadTimeoutMs);
      this.loads.set(info, pending);
    }
    return (await pending) as LoadedPlugin<K>;
  }

  private notFoundMessage(kind: PluginKind, name: string): string {
    const known = this.discovery.plugins.filter((p) => p.kind === kind);
    const list = known.length === 0 ? "none are installed" : known.map((p) => `${p.name} (${p.package})`).join(", ");
    const related = this.discovery.problems.filter((p) => p.path === `runnable.${kind}.${name}`);
    const hint = related.map((p) => `\n  ${p.package} declares it but: ${p.message}`).join("");
    return `Unknown ${kind} plugin "${name}". Known ${kind} plugins: ${list}.${hint}\nInstall a package that declares it in its package.json "runnable" field, or fix the name in the config.`;
  }
}

function conflictMessage(key: string, candidates: DiscoveredPlugin[]): string {
  const packages = candidates.map((c) => `"${c.package}"`).join(" and ");
  const first = candidates[0]?.package ?? "";
  return `Plugin ${key} is declared by ${packages}. Pin one in the config file: plugins: { "${key}": "${first}" }`;
}

async function importPlugin(info: DiscoveredPlugin, timeoutMs: number): Promise<LoadedPlugin> {
  const where = { kind: info.kind, plugin: info.name, package: info.package, path: `runnable.${info.kind}.${info.name}`, file: info.file };
  const label = `Plugin ${info.kind}/${info.name} from ${info.package}`;
  let ns: Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  // An ES module whose top-level await never settles would otherwise leave the run waiting on a
  // promise that never settles, and the process exits 0 with nothing run. The timer is not
  // unref'd on purpose: it is what keeps the process alive to report the plugin.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PluginLoadError(
            "E_PLUGIN_TIMEOUT",
            `${label}: importing ${rel(info)} did not finish within ${timeoutMs} ms (a top-level await that never settles?). Fix the module, or raise RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS if it is only slow.`,
            { ...where, timeoutMs },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    ns = await Promise.race([loadModule(info.file), timedOut]);
  } catch (error) {
    if ((error as { code?: unknown })?.code === "E_PLUGIN_TIMEOUT" && error instanceof PluginLoadError) throw error;
    throw new PluginLoadError("E_PLUGIN_LOAD", `${label}: importing ${rel(info)} failed: ${(error as Error)?.message ?? String(error)}`, where, error);
  } finally {
    clearTimeout(timer);
  }
  if (!(info.exportName in ns) || ns[info.exportName] === undefined) {
    const available = Object.keys(ns).filter((k) => k !== "__esModule");
    throw new PluginLoadError(
      "E_PLUGIN_INVALID",
      `${label}: ${where.path} names export "${info.exportName}", which ${rel(info)} does not export (exports: ${available.join(", ") || "none"})`,
      where,
    );
  }
  const value = ns[info.exportName];
  const problem = describePluginShapeProblem(value);
  if (problem)
    throw new PluginLoadError("E_PLUGIN_INVALID", `${label}: export "${info.exportName}" of ${rel(info)} ${problem}; create it with definePlugin()`, where);
  const definition = value as PluginDefinition;
  if (definition.kind !== info.kind)
    throw new PluginLoadError(
      "E_PLUGIN_INVALID",
      `${label}: export "${info.exportName}" is a ${definition.kind} plugin but the manifest lists it under ${info.kind}`,
      where,
    );
  return { info, definition };
}

function rel(info: DiscoveredPlugin): string {
  return `./${relative(info.packageDir, info.file)}`;
}
