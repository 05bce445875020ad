import { container as rootContainer, type DependencyContainer } from "tsyringe";
import {
  PluginFactoryError,
  RUN_ENVIRONMENT,
  SERVICE_KINDS,
  SERVICE_TOKENS,
  isRunnableError,
  type PluginDeps,
  type PluginKind,
  type PluginKinds,
  type RunEnvironment,
  type ServiceKind,
  type Token,
} from "@runnable-ts/sdk";
import { loadConfig, type RunnableConfig } from "./config";
import { discoverPlugins } from "./discovery";
import { findProjectRoot } from "./package-json";
import { validatePluginConfig } from "./plugin-config";
import { PluginRegistry, pluginLoadTimeout, type LoadedPlugin } from "./registry";

/** Inputs of {@link Kernel.create}. */
export interface KernelOptions {
  /** Working directory (default `process.cwd()`). */
  cwd?: string;
  /** Explicit configuration file (`--config`), relative to `cwd`. */
  configFile?: string | undefined;
  /** Environment for config lookup and templating (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Plugin names used for service kinds the config does not set. */
  defaults?: Partial<Record<ServiceKind, string>>;
  /** Packages whose dependencies carry built-in plugins (see {@link discoverPlugins}). */
  distributionDirs?: readonly string[];
}

/** A plugin ready to instantiate: loaded, with its config validated. */
interface PreparedService {
  kind: ServiceKind;
  loaded: LoadedPlugin;
  config: unknown;
  label: string;
}

/**
 * The services of one run, in their own tsyringe child container. Nothing here is shared with
 * another run except plugins that declare themselves singletons.
 */
export class RunScope {
  constructor(
    /** The run's child container; every configured service is registered under its token. */
    readonly container: DependencyContainer,
    private readonly kernel: Kernel,
    private readonly env: RunEnvironment,
  ) {}

  /** The run's plugin of a service kind. */
  get<K extends ServiceKind>(kind: K): PluginKinds[K] {
    return this.container.resolve(SERVICE_TOKENS[kind] as Token<PluginKinds[K]>);
  }

  /**
   * Creates a non-service plugin (a task or node type) for this run.
   * @throws the errors of {@link PluginRegistry.load}, ConfigError, PluginFactoryError.
   */
  async create<K extends PluginKind>(kind: K, name: string, config: Record<string, unknown> = {}): Promise<PluginKinds[K]> {
    const loaded = await this.kernel.registry.load(kind, name);
    const label = `${kind}/${name} (${loaded.info.package})`;
    const valid = validatePluginConfig(loaded.definition, label, config, { file: this.env.configFile, section: kind });
    return callFactory(label, () => loaded.definition.create(valid, depsOf(this.container, this.env)) as PluginKinds[K]);
  }

  /** Releases the run's container. */
  async dispose(): Promise<void> {
    await this.container.dispose();
  }
}

/**
 * Discovery, configuration and wiring for one project. Create it once per process (or per
 * config), then {@link Kernel.createRun} once per run.
 */
export class Kernel {
  private readonly root: DependencyContainer = rootContainer.createChildContainer();
  private readonly singletons = new Map<string, unknown>();

  private constructor(
    readonly config: RunnableConfig,
    readonly registry: PluginRegistry,
    readonly environment: RunEnvironment,
  ) {}

  /**
   * Loads the configuration and discovers plugins (manifests only, nothing imported).
   * @throws ConfigError for a missing or invalid config file or `plugins:` entry.
   */
  static async create(options: KernelOptions = {}): Promise<Kernel> {
    const cwd = options.cwd ?? process.cwd();
    const env = options.env ?? process.env;
    const loadTimeoutMs = pluginLoadTimeout(env);
    const config = await loadConfig({ cwd, configFile: options.configFile, env, defaults: options.defaults ?? {} });
    const projectRoot = findProjectRoot(cwd);
    const discovery = discoverPlugins({
      projectRoot,
      cwd,
      configSources: config.pluginSources,
      configFile: config.file,
      distributionDirs: options.distributionDirs ?? [],
    });
    return new Kernel(config, new PluginRegistry(discovery, config.pins, loadTimeoutMs), Object.freeze({ cwd, projectRoot, configFile: config.file }));
  }

  /**
   * Builds a run's container: loads every configured service plugin, validates each config
   * section, then creates the services (collaborators first). All of this happens before
   * anything runs; on any error the container is disposed and nothing stays registered.
   *
   * @throws PluginNotFoundError, PluginConflictError, PluginLoadError, ConfigError,
   *   PluginFactoryError (naming the plugin whose `create` threw).
   */
  async createRun(): Promise<RunScope> {
    const prepared: PreparedService[] = [];
    for (const kind of SERVICE_KINDS) {
      const selection = this.config.services[kind];
      if (!selection) continue;
      const loaded = await this.registry.load(kind, selection.type);
      const label = `${kind}/${selection.type} (${loaded.info.package})`;
      const config = validatePluginConfig(loaded.definition, label, selection.config, {
        file: selection.origin === "file" ? this.config.file : undefined,
        section: `${kind}.config`,
      });
      prepared.push({ kind, loaded, config, label });
    }
    const child = this.root.createChildContainer();
    child.register(RUN_ENVIRONMENT, { useValue: this.environment });
    for (const service of prepared) this.registerService(child, service);
    try {
      for (const service of prepared) child.resolve(SERVICE_TOKENS[service.kind]);
    } catch (error) {
      await child.dispose();
      throw error;
    }
    return new RunScope(child, this, this.environment);
  }

  private registerService(child: DependencyContainer, service: PreparedService): void {
    const { definition } = service.loaded;
    let instance: unknown;
    let creating = false;
    const key = `${service.kind}/${service.loaded.info.package}/${JSON.stringify(service.config)}`;
    child.register(SERVICE_TOKENS[service.kind], {
      useFactory: (c) => {
        if (instance !== undefined) return instance;
        if (definition.singleton === true && this.singletons.has(key)) return (instance = this.singletons.get(key));
        if (creating) throw new PluginFactoryError(`Plugin ${service.label}: its create() depends on itself`, { plugin: service.label, kind: service.kind });
        creating = true;
        try {
          instance = callFactory(service.label, () => definition.create(service.config, depsOf(c, this.environment)));
        } finally {
          creating = false;
        }
        if (definition.singleton === true) this.singletons.set(key, instance);
        return instance;
      },
    });
  }
}

function depsOf(c: DependencyContainer, env: RunEnvironment): PluginDeps {
  return {
    get: (kind) => c.resolve(SERVICE_TOKENS[kind]),
    resolve: (t) => c.resolve(t),
    env,
  };
}

function callFactory<T>(label: string, create: () => T): T {
  let value: T;
  try {
    value = create();
  } catch (error) {
    if (isRunnableError(error) && error.code === "E_PLUGIN_FACTORY") throw error;
    throw new PluginFactoryError(`Plugin ${label}: create() threw: ${(error as Error)?.message ?? String(error)}`, { plugin: label }, error);
  }
  if (value === undefined || value === null || (typeof value !== "object" && typeof value !== "function"))
    throw new PluginFactoryError(`Plugin ${label}: create() returned ${String(value)} instead of an implementation`, { plugin: label });
  return value;
}
