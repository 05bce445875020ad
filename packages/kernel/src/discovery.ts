import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError, type PluginKind } from "@runnable-ts/sdk";
import { parseManifest, type DiscoveryProblem, type ManifestEntry } from "./manifest";
import { findPackageDir, readPackageJson, type PackageJson } from "./package-json";

/** Where a plugin package was found. */
export type PluginSource = "project" | "dependency" | "workspace" | "config" | "built-in";

/** A plugin declared by an installed package's manifest (its module is not loaded yet). */
export interface DiscoveredPlugin extends ManifestEntry {
  package: string;
  version: string;
  packageDir: string;
  source: PluginSource;
}

/** Everything discovery found: plugins and the problems of malformed manifests. */
export interface DiscoveryResult {
  plugins: DiscoveredPlugin[];
  problems: DiscoveryProblem[];
}

/** Inputs of {@link discoverPlugins}. */
export interface DiscoveryOptions {
  /** Folder of the project's package.json. */
  projectRoot: string;
  /** Working directory; `plugins:` paths in config are relative to it. */
  cwd: string;
  /** `plugins:` entries of the config file: package names or paths. */
  configSources?: readonly string[];
  /** The config file, for error messages about `plugins:` entries. */
  configFile?: string;
  /**
   * Packages whose dependencies hold the built-in plugins (the CLI / runtime distribution).
   * Their dependencies are scanned like the project's, resolved from the distribution folder.
   */
  distributionDirs?: readonly string[];
}

const DEP_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/**
 * Finds every plugin declared through a `runnable` package.json field: the project's own
 * package.json, its declared dependencies (resolved from the project root), the workspace
 * packages when the root is a workspace root, the config file's `plugins:` entries, then the
 * distribution's built-ins. Reads manifests only; imports nothing. Never walks all of
 * `node_modules`: one lookup per declared dependency.
 *
 * @throws ConfigError (`E_CONFIG_INVALID`) when a `plugins:` entry names nothing installed.
 */
export function discoverPlugins(options: DiscoveryOptions): DiscoveryResult {
  const result: DiscoveryResult = { plugins: [], problems: [] };
  const seen = new Set<string>();

  const addPackage = (dir: string, source: PluginSource, pkg?: PackageJson): void => {
    const real = realpathSync.native(dir);
    if (seen.has(real)) return;
    seen.add(real);
    let json: PackageJson | undefined;
    try {
      json = pkg ?? readPackageJson(real);
    } catch (error) {
      result.problems.push({ code: "E_MANIFEST_INVALID", package: real, path: "package.json", message: String((error as Error).message) });
      return;
    }
    if (!json || json.runnable === undefined) return;
    const name = json.name ?? real;
    const { entries, problems } = parseManifest(json.runnable, name, real);
    result.problems.push(...problems);
    for (const entry of entries)
      result.plugins.push({ ...entry, package: name, version: json.version ?? "0.0.0", packageDir: real, source });
  };

  const addDependencies = (pkg: PackageJson, fromDir: string, source: PluginSource): void => {
    for (const field of DEP_FIELDS)
      for (const dep of Object.keys(pkg[field] ?? {})) {
        const dir = findPackageDir(dep, fromDir);
        if (dir) addPackage(dir, source);
      }
  };

  const root = readPackageJson(options.projectRoot);
  if (root) {
    addPackage(options.projectRoot, "project", root);
    addDependencies(root, options.projectRoot, "dependency");
    for (const dir of workspaceDirs(options.projectRoot, root.workspaces)) addPackage(dir, "workspace");
  }

  for (const spec of options.configSources ?? []) {
    const isPath = spec.startsWith(".") || isAbsolute(spec);
    const dir = isPath ? resolve(options.cwd, spec) : findPackageDir(spec, options.projectRoot);
    if (!dir || !existsSync(join(dir, "package.json")))
      throw new ConfigError(
        "E_CONFIG_INVALID",
        isPath
          ? `plugins entry "${spec}" has no package.json at ${dir}`
          : `plugins entry "${spec}" is not installed in ${options.projectRoot} (npm install ${spec})`,
        { file: options.configFile, path: "plugins" },
      );
    addPackage(dir, "config");
  }

  for (const distDir of options.distributionDirs ?? []) {
    const pkg = readPackageJson(distDir);
    if (pkg) addDependencies(pkg, distDir, "built-in");
  }
  return result;
}

/** The plugins of one kind, in discovery order. */
export function pluginsOfKind(result: DiscoveryResult, kind: PluginKind): DiscoveredPlugin[] {
  return result.plugins.filter((p) => p.kind === kind);
}

/** Expands npm `workspaces` patterns (`dir`, `dir/*`, `dir/**` not supported) into package folders. */
function workspaceDirs(root: string, workspaces: unknown): string[] {
  const patterns = Array.isArray(workspaces)
    ? workspaces
    : typeof workspaces === "object" && workspaces !== null && Array.isArray((workspaces as { packages?: unknown }).packages)
      ? (workspaces as { packages: unknown[] }).packages
      : [];
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== "string") continue;
    let current = [root];
    for (const segment of pattern.split("/").filter((s) => s !== "" && s !== ".")) {
      const next: string[] = [];
      for (const dir of current) {
        if (!segment.includes("*")) {
          next.push(join(dir, segment));
          continue;
        }
        const re = new RegExp(`^${segment.split("*").map(escapeRe).join("[^/]*")}$`);
        for (const child of safeReaddir(dir)) if (re.test(child) && isDir(join(dir, child))) next.push(join(dir, child));
      }
      current = next;
    }
    for (const dir of current) if (existsSync(join(dir, "package.json"))) dirs.push(dir);
  }
  return dirs;
}

function escapeRe(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
