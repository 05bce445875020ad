import { GraphError, isComposite, RunnableError, type GraphDef, type NodeDef, type NodeType, type StepKeys, type TaskType } from "@runnable-ts/sdk";
import type { RunScope } from "@runnable-ts/kernel";
import { hashOf, serializeGraph } from "./dag-hash";
import { checkGraph, subgraphsOf, walkGraphs, withTerminals, type DefinitionProblem } from "./graph-check";
import { yamlSourceOf, yamlTaskFields, type YamlSource } from "./yaml-pipeline";
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
  /** True when the graph has composite steps (without them no two tasks can ever overlap). */
  hasComposites: boolean;
}

/**
 * Adds the implicit terminals, creates every node and task type the graph uses, and runs the
 * structural and type-specific checks; a YAML definition's steps are also checked strictly
 * against their type's keys. Problems of a YAML definition start with `file:line:col`. With
 * `checkedWith` (the kernel whose plugins check it), a graph object that passed once in `cwd` is
 * not checked again: its node and task types are still created for this run.
 * @throws GraphError with every problem found.
 */
export async function prepare(input: GraphDef, scope: RunScope, cwd: string, checkedWith?: object): Promise<Prepared> {
  const verdicts = checkedWith === undefined ? undefined : checkedGraphs(input, checkedWith);
  const source = yamlSourceOf(input);
  const problems: DefinitionProblem[] = [];
  const nodeTypes = new Map<string, NodeType>();
  const taskTypes = new Map<string, TaskType>();
  const missing = new Set<string>();
  const createNodeType = async (name: string, node: NodeDef, where: string): Promise<NodeType | undefined> => {
    if (!nodeTypes.has(name) && !missing.has(name))
      try {
        const made = await scope.create("node", name);
        if (!isNodeType(made)) throw new RunnableError("E_PLUGIN_INVALID", "its node type declares neither execute() nor branches(), merge() and subgraphs()", { kind: "node", plugin: name });
        nodeTypes.set(name, made);
      } catch (error) {
        missing.add(name);
        problems.push({ message: `unknown step type "${name}": ${messageOf(error).split("\n")[0]}`, step: where ? `${where}.${node.name}` : node.name, key: "type" });
      }
    return nodeTypes.get(name);
  };
  const createTaskType = async (name: string, node: NodeDef, where: string): Promise<void> => {
    if (taskTypes.has(name) || missing.has(`task:${name}`)) return;
    try {
      taskTypes.set(name, await scope.create("task", name));
    } catch (error) {
      missing.add(`task:${name}`);
      problems.push({ message: `unknown command_type "${name}": ${messageOf(error).split("\n")[0]}`, step: where ? `${where}.${node.name}` : node.name, key: "command_type" });
    }
  };
  // Node types declare their sub-graphs, so the graph is discovered level by level.
  const pending: { g: GraphDef; prefix: string }[] = [{ g: input, prefix: "" }];
  let hasComposites = false;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { g, prefix } = next;
    // A YAML step of a third-party leaf type that runs a task reads as a `type: task` step does:
    // its task fields get their defaults and the engine's form (`returns: [x]` as objects, …).
    // Done on the parsed nodes themselves, before the graph is copied with its terminals.
    if (source)
      for (const node of Object.values(g.steps)) {
        const type = nodeTypes.get(node.type) ?? (await createNodeType(node.type, node, prefix));
        const raw = source.steps.get(prefix ? `${prefix}.${node.name}` : node.name)?.raw;
        if (raw && node.type !== "task" && type && !isComposite(type) && type.taskType) Object.assign(node, yamlTaskFields(raw));
      }
    for (const node of Object.values(withTerminals(g).steps)) {
      const type = nodeTypes.get(node.type) ?? (await createNodeType(node.type, node, prefix));
      if (!type) continue;
      if (isComposite(type)) {
        hasComposites = true;
        const base = prefix ? `${prefix}.${node.name}` : node.name;
        for (const [key, sub] of Object.entries(subgraphsOf(node, nodeTypes))) pending.push({ g: sub, prefix: `${base}.${key}` });
      } else {
        const taskType = type.taskType?.(node);
        if (taskType && !taskTypes.has(taskType)) await createTaskType(taskType, node, prefix);
      }
    }
  }
  const { graph, dag, dagHash } = analyse(input);
  // A graph object that passed every check with these plugins in this folder passes again
  // (graphs are not changed after they are built): a pipeline run per request is checked once.
  if (problems.length === 0 && verdicts?.has(cwd)) return { graph, dag, dagHash, nodeTypes, taskTypes, hasComposites };
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
  for (const { graph: g, prefix } of walkGraphs(graph, nodeTypes))
    for (const node of Object.values(g.steps)) {
      const step = prefix ? `${prefix}.${node.name}` : node.name;
      if (failedKeys.has(step)) continue;
      const type = nodeTypes.get(node.type);
      const name = type && !isComposite(type) ? type.taskType?.(node) : undefined;
      const taskType = name === undefined ? undefined : taskTypes.get(name);
      for (const p of (await taskType?.validate?.(node, { loadExport: (ref) => loadExport(ref, cwd) })) ?? []) problems.push({ message: `step "${step}": ${p}`, step, key: "command" });
    }
  const all = [...keyProblems, ...problems.map((p) => (source ? `${locate(source, p)}: ${p.message}` : p.message))];
  if (all.length > 0) throw new GraphError(all, source ? { file: source.file } : {});
  verdicts?.add(cwd);
  return { graph, dag, dagHash, nodeTypes, taskTypes, hasComposites };
}

/** Working directories in which a graph object passed its checks, by what checked it (a kernel: its plugins). */
const passed = new WeakMap<GraphDef, WeakMap<object, Set<string>>>();

function checkedGraphs(graph: GraphDef, checker: object): Set<string> {
  let byChecker = passed.get(graph);
  if (!byChecker) passed.set(graph, (byChecker = new WeakMap()));
  let folders = byChecker.get(checker);
  if (!folders) byChecker.set(checker, (folders = new Set()));
  return folders;
}

/** A node type is a leaf (execute) or a composite (branches, merge, subgraphs). */
function isNodeType(type: NodeType): boolean {
  if (typeof type !== "object" || type === null) return false;
  if (isComposite(type)) return typeof type.merge === "function" && typeof type.subgraphs === "function";
  return typeof type.execute === "function";
}

/** `file:line:col` of a problem in a YAML definition (the graph's, the step's, or its key's). */
function locate(source: YamlSource, problem: DefinitionProblem): string {
  const base = problem.step !== undefined ? source.steps.get(problem.step)?.path : problem.graph !== undefined ? source.graphs.get(problem.graph) : undefined;
  if (!base) return source.position(["dag"]);
  return source.position(problem.key ? [...base, problem.key] : base);
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
