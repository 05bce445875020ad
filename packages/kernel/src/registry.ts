import { relative } from "node:path";
import {
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

/**
 * The typed view of discovered plugins. Looks plugins up by kind and name, resolves conflicts
 * through pins, and imports a plugin's module only when it is first asked for.
 */
export class PluginRegistry {
  private readonly loads = new Map<DiscoveredPlugin, Promise<LoadedPlugin>>();

  constructor(
    readonly discovery: DiscoveryResult,
    private readonly pins: PluginPins = {},
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
   * @throws PluginLoadError (`E_PLUGIN_LOAD` when the import throws, `E_PLUGIN_INVALID` when
   *   the export is missing or is not a plugin of that kind), naming plugin, package and entry.
   */
  async load<K extends PluginKind>(kind: K, name: string): Promise<LoadedPlugin<K>> {
    const info = this.find(kind, name);
    let pending = this.loads.get(info);
    if (!pending) {
      pending = importPlugin(info);
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

async function importPlugin(info: DiscoveredPlugin): Promise<LoadedPlugin> {
  const where = { kind: info.kind, plugin: info.name, package: info.package, path: `runnable.${info.kind}.${info.name}`, file: info.file };
  const label = `Plugin ${info.kind}/${info.name} from ${info.package}`;
  let ns: Record<string, unknown>;
  try {
    ns = await loadModule(info.file);
  } catch (error) {
    throw new PluginLoadError("E_PLUGIN_LOAD", `${label}: importing ${rel(info)} failed: ${(error as Error)?.message ?? String(error)}`, where, error);
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
