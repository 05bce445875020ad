import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { cosmiconfig, defaultLoaders } from "cosmiconfig";
import { parse as parseYaml } from "yaml";
import { ConfigError, isPluginKind, isRunnableError, SERVICE_KINDS, z, type ServiceKind } from "@runnable-ts/sdk";

/** File names searched for from the working directory up to the project root, first wins. */
export const CONFIG_SEARCH_PLACES = [
  "runnable-config.yaml",
  ".runnablerc",
  ".runnablerc.json",
  ".runnablerc.yaml",
  ".runnablerc.yml",
  "runnable.config.json",
  "runnable.config.yaml",
  "runnable.config.yml",
  "runnable.config.js",
  "runnable.config.cjs",
  "runnable.config.mjs",
] as const;

/** The plugin chosen for one service kind, and its (not yet validated) config. */
export interface ServiceSelection {
  readonly type: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** `file` when the config file chose it, `default` when the distribution's default applied. */
  readonly origin: "file" | "default";
}

/** A loaded, validated, frozen configuration. */
export interface RunnableConfig {
  /** The file in effect, or undefined when running on defaults. */
  readonly file: string | undefined;
  /** Which precedence level chose the file. */
  readonly source: "argument" | "environment" | "search" | "defaults";
  readonly services: Readonly<Partial<Record<ServiceKind, ServiceSelection>>>;
  /** `plugins:` entries that are package names or paths. */
  readonly pluginSources: readonly string[];
  /** `plugins:` pins, `"<kind>/<name>"` → package. */
  readonly pins: Readonly<Record<string, string>>;
}

/** Inputs of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Working directory: the search starts here and relative paths resolve against it. */
  cwd: string;
  /** `--config` / `configurationFile`: wins over everything else. */
  configFile?: string | undefined;
  /** Environment (for `RUNNABLE_CONFIGURATION_FILE` and `RUNNABLE_VAR_*`); defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Plugin names used for service kinds the file does not set. */
  defaults?: Partial<Record<ServiceKind, string>>;
}

const SectionSchema = z.union([
  z.string().min(1),
  z.looseObject({ type: z.string().min(1), config: z.record(z.string(), z.unknown()).optional() }),
]);
const PinsSchema = z.record(
  z.string().regex(/^[a-z-]+\/[A-Za-z0-9_-]+$/, 'pin keys are "<kind>/<name>"'),
  z.string().min(1),
);
const ConfigFileSchema = z.strictObject({
  "pipeline-executor": SectionSchema.optional(),
  "job-executor": SectionSchema.optional(),
  "run-log-store": SectionSchema.optional(),
  catalog: SectionSchema.optional(),
  secrets: SectionSchema.optional(),
  pickler: SectionSchema.optional(),
  plugins: z.union([z.array(z.union([z.string().min(1), PinsSchema])), PinsSchema]).optional(),
});

const yamlLoader = (filepath: string, content: string): unknown => {
  try {
    return parseYaml(content, { prettyErrors: true }) ?? null;
  } catch (error) {
    throw new ConfigError("E_CONFIG_INVALID", `${filepath} is not valid YAML: ${(error as Error).message}`, { file: filepath }, error);
  }
};

const explorer = cosmiconfig("runnable", {
  searchPlaces: [...CONFIG_SEARCH_PLACES],
  searchStrategy: "project",
  cache: false,
  loaders: { ...defaultLoaders, ".yaml": yamlLoader, ".yml": yamlLoader, noExt: yamlLoader },
});

/**
 * Finds and validates the configuration. Precedence: `configFile` → env
 * `RUNNABLE_CONFIGURATION_FILE` → a search from `cwd` up to the project root for
 * {@link CONFIG_SEARCH_PLACES} → defaults only. `package.json` is never read as config.
 * `$name`/`${name}` in string values are filled from `RUNNABLE_VAR_<name>` (`$$` is a `$`).
 *
 * @throws ConfigError `E_CONFIG_NOT_FOUND` (named file missing), `E_CONFIG_INVALID` (bad
 *   syntax, unknown key — with file and key path), `E_CONFIG_VAR_MISSING` (naming the variable).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<RunnableConfig> {
  const env = options.env ?? process.env;
  let file: string | undefined;
  let source: RunnableConfig["source"] = "defaults";
  let raw: unknown = {};
  const named = options.configFile ?? env.RUNNABLE_CONFIGURATION_FILE;
  try {
    if (named !== undefined && named !== "") {
      source = options.configFile !== undefined ? "argument" : "environment";
      file = resolve(options.cwd, named);
      if (!existsSync(file))
        throw new ConfigError("E_CONFIG_NOT_FOUND", `Configuration file ${file} does not exist (given by ${source === "argument" ? "--config" : "RUNNABLE_CONFIGURATION_FILE"})`, { file });
      raw = (await explorer.load(file))?.config ?? {};
    } else {
      const found = await explorer.search(options.cwd);
      if (found) {
        source = "search";
        file = found.filepath;
        raw = found.config ?? {};
      }
    }
  } catch (error) {
    if (isRunnableError(error)) throw error;
    throw new ConfigError("E_CONFIG_INVALID", `Cannot read configuration file ${file ?? "(search)"}: ${(error as Error).message}`, { file }, error);
  }
  return buildConfig(raw ?? {}, file, source, env, options.defaults ?? {});
}

function buildConfig(
  raw: unknown,
  file: string | undefined,
  source: RunnableConfig["source"],
  env: NodeJS.ProcessEnv,
  defaults: Partial<Record<ServiceKind, string>>,
): RunnableConfig {
  const where = file ?? "(defaults)";
  const parsed = ConfigFileSchema.safeParse(substituteVariables(raw, env, file, []));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
      const path = [...issue.path.map(String), ...keys.slice(0, 1)].join(".") || "(top level)";
      const detail =
        issue.code === "unrecognized_keys" && issue.path.length === 0
          ? `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}; allowed keys: ${Object.keys(ConfigFileSchema.shape).join(", ")}`
          : issue.message;
      return { path, detail };
    });
    throw new ConfigError(
      "E_CONFIG_INVALID",
      `Invalid configuration in ${where}:\n${issues.map((i) => `  ${i.path}: ${i.detail}`).join("\n")}`,
      { file, path: issues[0]?.path },
    );
  }
  const services: Partial<Record<ServiceKind, ServiceSelection>> = {};
  for (const kind of SERVICE_KINDS) {
    const section = parsed.data[kind];
    if (section === undefined) {
      const fallback = defaults[kind];
      if (fallback !== undefined) services[kind] = Object.freeze({ type: fallback, config: {}, origin: "default" });
      continue;
    }
    if (typeof section === "string") {
      services[kind] = Object.freeze({ type: section, config: {}, origin: "file" });
      continue;
    }
    const { type, config, ...inline } = section;
    if (config !== undefined && Object.keys(inline).length > 0)
      throw new ConfigError(
        "E_CONFIG_INVALID",
        `Invalid configuration in ${where}: ${kind} has both "config" and inline keys (${Object.keys(inline).join(", ")}); put them all under config`,
        { file, path: `${kind}.${Object.keys(inline)[0]}` },
      );
    services[kind] = Object.freeze({ type, config: Object.freeze({ ...(config ?? inline) }), origin: "file" });
  }
  const pluginSources: string[] = [];
  const pins: Record<string, string> = {};
  const plugins = parsed.data.plugins;
  for (const item of Array.isArray(plugins) ? plugins : plugins ? [plugins] : []) {
    if (typeof item === "string") pluginSources.push(item);
    else
      for (const [key, pkg] of Object.entries(item)) {
        const kind = key.split("/")[0] ?? "";
        if (!isPluginKind(kind))
          throw new ConfigError("E_CONFIG_INVALID", `Invalid configuration in ${where}: plugins pin "${key}" names unknown kind "${kind}"`, {
            file,
            path: `plugins.${key}`,
          });
        pins[key] = pkg;
      }
  }
  return Object.freeze({ file, source, services: Object.freeze(services), pluginSources: Object.freeze(pluginSources), pins: Object.freeze(pins) });
}

const VAR_RE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function substituteVariables(value: unknown, env: NodeJS.ProcessEnv, file: string | undefined, path: string[]): unknown {
  if (typeof value === "string")
    return value.replace(VAR_RE, (match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare;
      if (name === undefined) return "$";
      const found = env[`RUNNABLE_VAR_${name}`];
      if (found === undefined)
        throw new ConfigError(
          "E_CONFIG_VAR_MISSING",
          `Configuration value ${path.join(".") || "(top level)"} in ${file ?? "(defaults)"} uses ${match}, but the environment variable RUNNABLE_VAR_${name} is not set`,
          { file, path: path.join("."), variable: name },
        );
      return found;
    });
  if (Array.isArray(value)) return value.map((v, i) => substituteVariables(v, env, file, [...path, String(i)]));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteVariables(v, env, file, [...path, k])]));
  return value;
}
