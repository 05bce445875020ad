import "reflect-metadata";

export { loadConfig, CONFIG_SEARCH_PLACES, type RunnableConfig, type ServiceSelection, type LoadConfigOptions } from "./config";
export { discoverPlugins, type DiscoveredPlugin, type DiscoveryResult, type DiscoveryOptions, type PluginSource } from "./discovery";
export { parseManifest, MANIFEST_API_VERSION, type DiscoveryProblem, type ManifestEntry } from "./manifest";
export { loadModule, isCommonJs } from "./module-loader";
export { findProjectRoot, findPackageDir, readPackageJson, type PackageJson } from "./package-json";
export { validatePluginConfig, type ConfigOrigin } from "./plugin-config";
export { PluginRegistry, pluginLoadTimeout, DEFAULT_PLUGIN_LOAD_TIMEOUT_MS, type LoadedPlugin, type PluginPins } from "./registry";
export { Kernel, RunScope, type KernelOptions } from "./kernel";
