import type { CatalogService, JobExecutor, Pickler, PipelineExecutor, RunLogStore, SecretsProvider } from "./contracts";
import type { TaskType } from "./engine";
import type { NodeType } from "./node-type";

/** The closed set of plugin kinds and the contract each kind implements. */
export interface PluginKinds {
  "pipeline-executor": PipelineExecutor;
  "job-executor": JobExecutor;
  task: TaskType;
  node: NodeType;
  "run-log-store": RunLogStore;
  catalog: CatalogService;
  secrets: SecretsProvider;
  pickler: Pickler;
}

/** A plugin kind (a namespace of plugin names). */
export type PluginKind = keyof PluginKinds;

/** Every plugin kind, in a stable order. */
export const PLUGIN_KINDS: readonly PluginKind[] = Object.freeze([
  "pipeline-executor",
  "job-executor",
  "task",
  "node",
  "run-log-store",
  "catalog",
  "secrets",
  "pickler",
]);

/** Kinds configured once per run (a config section each) and registered in the run's container. */
export type ServiceKind = "pipeline-executor" | "job-executor" | "run-log-store" | "catalog" | "secrets" | "pickler";

/** Every service kind, in the order the kernel creates them (collaborators first). */
export const SERVICE_KINDS: readonly ServiceKind[] = Object.freeze([
  "secrets",
  "pickler",
  "run-log-store",
  "catalog",
  "job-executor",
  "pipeline-executor",
]);

/** True when `value` names a plugin kind. */
export function isPluginKind(value: string): value is PluginKind {
  return (PLUGIN_KINDS as readonly string[]).includes(value);
}
