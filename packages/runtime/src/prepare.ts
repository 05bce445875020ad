import { GraphError, type GraphDef, type NodeDef, type NodeType, type StepKeys, type TaskType } from "@runnable-ts/sdk";
import type { RunScope } from "@runnable-ts/kernel";
import { hashOf, serializeGraph } from "./dag-hash";
import { checkGraph, typesUsed, walkGraphs, withTerminals, type DefinitionProblem } from "./graph-check";
import { yamlSourceOf, type YamlSource } from "./yaml-pipeline";
import { checkStepKeys, stepKeysOf } from "./yaml-step-keys";
import { loadExport } from "./load-export";
import { messageOf } from "./redact";

/** A pipeline checked and ready: the graph with terminals, its node and task types. */
export interface Prepared {
  graph: GraphDef;
  /** The graph as plain JSON (run_config.dag) and its hash, computed once per definition. */
  dag: unknown;
  dagHash: string;
  nodeTypes: Map<string, NodeType>;
  taskTypes: Map<string, TaskType>;
}

/**
 * Adds the implicit terminals, creates every node and task type the graph uses, and runs the
 * structural and type-specific checks; a YAML definition's steps are also checked strictly
 * against their type's keys. Problems of a YAML definition start with `file:line:col`.
 * @throws GraphError with every problem found.
 */
export async function prepare(input: GraphDef, scope: RunScope, cwd: string): Promise<Prepared> {
  const { graph, dag, dagHash } = analyse(input);
  const source = yamlSourceOf(input);
  const problems: DefinitionProblem[] = [];
  const { nodeTypes: nodeNames, taskTypes: taskNames } = typesUsed(graph);
  const nodeTypes = new Map<string, NodeType>();
  const taskTypes = new Map<string, TaskType>();
  for (const name of nodeNames) {
    try {
      nodeTypes.set(name, await scope.create("node", name));
    } catch (error) {
      problems.push({ message: `unknown step type "${name}": ${messageOf(error).split("\n")[0]}`, ...firstUse(graph, (n) => n.type === name, "type") });
    }
  }
  for (const name of taskNames) {
    try {
      taskTypes.set(name, await scope.create("task", name));
    } catch (error) {
      problems.push({ message: `unknown command_type "${name}": ${messageOf(error).split("\n")[0]}`, ...firstUse(graph, (n) => n.type === "task" && n.command_type === name, "command_type") });
    }
  }
  const failedKeys = new Set<string>();
  const keysByType = new Map<string, StepKeys | undefined>();
  const keyProblems: string[] = [];
  for (const [step, { path, raw }] of source?.steps ?? []) {
    const nodeType = nodeTypes.get(String(raw.type));
    if (!nodeType) continue;
    const taskName = typeof raw.command_type === "string" ? raw.command_type : "function";
    const cacheKey = `${String(raw.type)}\u0000${taskName}`;
    if (!keysByType.has(cacheKey)) keysByType.set(cacheKey, stepKeysOf(String(raw.type), nodeType, raw.type === "task" ? taskTypes.get(taskName) : undefined));
    const keys = keysByType.get(cacheKey);
    if (!keys) continue;
    const found = checkStepKeys(raw, keys, String(raw.type));
    if (found.length > 0) failedKeys.add(step);
    for (const p of found) keyProblems.push(`${source!.position([...path, ...p.path], p.unknown)}: step "${step}": ${p.message}`);
  }
  problems.push(
    ...checkGraph(
      graph,
      nodeTypes,
      {
        hasTaskType: (name) => taskTypes.has(name),
        taskTypes: () => [...taskTypes.keys()],
      },
      failedKeys,
    ),
  );
  for (const { graph: g, prefix } of walkGraphs(graph))
    for (const node of Object.values(g.steps)) {
      const step = prefix ? `${prefix}.${node.name}` : node.name;
      if (node.type !== "task" || failedKeys.has(step)) continue;
      const taskType = taskTypes.get(String(node.command_type));
      for (const p of (await taskType?.validate?.(node, { loadExport: (ref) => loadExport(ref, cwd) })) ?? []) problems.push({ message: `step "${step}": ${p}`, step, key: "command" });
    }
  const all = [...keyProblems, ...problems.map((p) => (source ? `${locate(source, p)}: ${p.message}` : p.message))];
  if (all.length > 0) throw new GraphError(all, source ? { file: source.file } : {});
  return { graph, dag, dagHash, nodeTypes, taskTypes };
}

/** `file:line:col` of a problem in a YAML definition (the graph's, the step's, or its key's). */
function locate(source: YamlSource, problem: DefinitionProblem): string {
  const base = problem.step !== undefined ? source.steps.get(problem.step)?.path : problem.graph !== undefined ? source.graphs.get(problem.graph) : undefined;
  if (!base) return source.position(["dag"]);
  return source.position(problem.key ? [...base, problem.key] : base);
}

/** Where a type is first used, for a problem about it. */
function firstUse(graph: GraphDef, uses: (node: NodeDef) => boolean, key: string): { step?: string; key?: string } {
  for (const { graph: g, prefix } of walkGraphs(graph))
    for (const node of Object.values(g.steps)) if (uses(node)) return { step: prefix ? `${prefix}.${node.name}` : node.name, key };
  return {};
}

const analysed = new WeakMap<GraphDef, { graph: GraphDef; dag: unknown; dagHash: string }>();

/**
 * The definition-only work on a graph — implicit terminals, the plain-JSON dag and its hash —
 * done once per graph object (a pipeline executed many times, e.g. per request, reuses it;
 * graphs are not changed after they are built).
 */
function analyse(input: GraphDef): { graph: GraphDef; dag: unknown; dagHash: string } {
  let found = analysed.get(input);
  if (!found) {
    const graph = withTerminals(input);
    const dag = serializeGraph(graph);
    found = { graph, dag, dagHash: hashOf(dag) };
    analysed.set(input, found);
  }
  return found;
}
