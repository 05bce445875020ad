import { extname, resolve } from "node:path";
import { captureDefinitions, GraphError, Job, Pipeline, type GraphDef, type NodeDef } from "@runnable-ts/sdk";
import { loadUserModule } from "./load-export";
import type { DefinitionSource } from "./run";
import { loadYamlPipeline } from "./yaml-pipeline";

/** A pipeline definition loaded from a file, with where it came from. */
export interface LoadedDefinition {
  graph: GraphDef;
  source: DefinitionSource;
}

const MODULE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);

/**
 * Loads a pipeline file: YAML (`.yaml`/`.yml`), or a module exporting `pipeline` (a Pipeline,
 * or a function returning one, possibly async), else its default export.
 * @throws GraphError when the file holds no pipeline.
 */
export async function loadDefinition(file: string, cwd: string, exportName?: string): Promise<LoadedDefinition> {
  const path = resolve(cwd, file);
  const ext = extname(path);
  if (ext === ".yaml" || ext === ".yml") return { graph: loadYamlPipeline(path), source: { kind: "yaml", file: path } };
  if (!MODULE_EXTENSIONS.has(ext)) throw new GraphError([`${file}: expected a .yaml/.yml pipeline or a .ts/.js module exporting "pipeline"`], { file: path });
  const { result: ns, pipelines } = await captureDefinitions(() => loadUserModule(path));
  const name = exportName ?? ("pipeline" in ns ? "pipeline" : "default" in ns && ns.default !== undefined ? "default" : undefined);
  if (name === undefined) {
    // A script that builds its pipeline and runs it when imported: take the one it ran.
    const [only, ...more] = pipelines;
    if (only && more.length === 0) return { graph: only.toGraph(), source: { kind: "sdk", file: path } };
    throw new GraphError([`${file}: export a pipeline as "pipeline" (export const pipeline = new Pipeline({...}), or a function returning one)`], { file: path });
  }
  let value: unknown = ns[name];
  if (typeof value === "function" && !(value instanceof Pipeline)) value = await captureDefinitions(async () => (value as () => unknown)()).then((r) => r.result);
  if (!isPipeline(value)) throw new GraphError([`${file}: export "${name}" is not a Pipeline (export const pipeline = new Pipeline({...}), or a function returning one)`], { file: path });
  return { graph: value.toGraph(), source: { kind: "sdk", file: path, exportName: name } };
}

function isPipeline(value: unknown): value is Pipeline {
  return typeof value === "object" && value !== null && typeof (value as Pipeline).toGraph === "function" && Array.isArray((value as Pipeline).steps);
}

/** A job definition loaded from a module. */
export interface LoadedJob {
  node: NodeDef;
  source: DefinitionSource;
}

/**
 * Loads a module exporting `job` (a FunctionJob/ShellJob, or a function returning one), else
 * its default export, else the one job the module ran when imported.
 * @throws GraphError when the module holds no job.
 */
export async function loadJobDefinition(file: string, cwd: string, exportName?: string): Promise<LoadedJob> {
  const path = resolve(cwd, file);
  const { result: ns, jobs } = await captureDefinitions(() => loadUserModule(path));
  const name = exportName ?? ("job" in ns ? "job" : "default" in ns && ns.default !== undefined ? "default" : undefined);
  if (name === undefined) {
    const [only, ...more] = jobs;
    if (only && more.length === 0) return { node: only.toNode(), source: { kind: "sdk", file: path } };
    throw new GraphError([`${file}: export a job as "job" (export const job = new FunctionJob({...}))`], { file: path });
  }
  let value: unknown = ns[name];
  if (typeof value === "function" && !(value instanceof Job)) value = (await captureDefinitions(async () => (value as () => unknown)())).result;
  if (!(typeof value === "object" && value !== null && typeof (value as Job).toNode === "function" && "jobOptions" in value))
    throw new GraphError([`${file}: export "${name}" is not a job (FunctionJob or ShellJob)`], { file: path });
  return { node: (value as Job).toNode(), source: { kind: "sdk", file: path, exportName: name } };
}
