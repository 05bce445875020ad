import { GraphError, isComposite, RunnableError, type GraphDef, type NodeType, type TaskType } from "@runnable-ts/sdk";
import type { RunScope } from "@runnable-ts/kernel";
import { hashOf, serializeGraph } from "./dag-hash";
import { checkGraph, subgraphsOf, walkGraphs, withTerminals } from "./graph-check";
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
 * structural and type-specific checks.
 * @throws GraphError with every problem found.
 */
export async function prepare(input: GraphDef, scope: RunScope, cwd: string): Promise<Prepared> {
  const { graph, dag, dagHash } = analyse(input);
  const problems: string[] = [];
  const nodeTypes = new Map<string, NodeType>();
  const taskTypes = new Map<string, TaskType>();
  const missing = new Set<string>();
  const createNodeType = async (name: string): Promise<NodeType | undefined> => {
    if (!nodeTypes.has(name) && !missing.has(name))
      try {
        const made = await scope.create("node", name);
        if (!isNodeType(made)) throw new RunnableError("E_PLUGIN_INVALID", "its node type declares neither execute() nor branches(), merge() and subgraphs()", { kind: "node", plugin: name });
        nodeTypes.set(name, made);
      } catch (error) {
        missing.add(name);
        problems.push(`unknown step type "${name}": ${messageOf(error).split("\n")[0]}`);
      }
    return nodeTypes.get(name);
  };
  const createTaskType = async (name: string): Promise<void> => {
    if (taskTypes.has(name) || missing.has(`task:${name}`)) return;
    try {
      taskTypes.set(name, await scope.create("task", name));
    } catch (error) {
      missing.add(`task:${name}`);
      problems.push(`unknown command_type "${name}": ${messageOf(error).split("\n")[0]}`);
    }
  };
  // Node types declare their sub-graphs, so the graph is discovered level by level.
  const pending: GraphDef[] = [graph];
  let hasComposites = false;
  for (let g = pending.pop(); g; g = pending.pop()) {
    for (const node of Object.values(withTerminals(g).steps)) {
      const type = nodeTypes.get(node.type) ?? (await createNodeType(node.type));
      if (!type) continue;
      if (isComposite(type)) {
        hasComposites = true;
        pending.push(...Object.values(subgraphsOf(node, nodeTypes)));
      }
      else {
        const taskType = type.taskType?.(node);
        if (taskType && !taskTypes.has(taskType)) await createTaskType(taskType);
      }
    }
  }
  problems.push(
    ...checkGraph(graph, nodeTypes, {
      hasTaskType: (name) => taskTypes.has(name),
      taskTypes: () => [...taskTypes.keys()],
    }),
  );
  for (const { graph: g, prefix } of walkGraphs(graph, nodeTypes))
    for (const node of Object.values(g.steps)) {
      const type = nodeTypes.get(node.type);
      const name = type && !isComposite(type) ? type.taskType?.(node) : undefined;
      const taskType = name === undefined ? undefined : taskTypes.get(name);
      for (const p of (await taskType?.validate?.(node, { loadExport: (ref) => loadExport(ref, cwd) })) ?? [])
        problems.push(`step "${prefix ? `${prefix}.${node.name}` : node.name}": ${p}`);
    }
  if (problems.length > 0) throw new GraphError(problems);
  return { graph, dag, dagHash, nodeTypes, taskTypes, hasComposites };
}

/** A node type is a leaf (execute) or a composite (branches, merge, subgraphs). */
function isNodeType(type: NodeType): boolean {
  if (typeof type !== "object" || type === null) return false;
  if (isComposite(type)) return typeof type.merge === "function" && typeof type.subgraphs === "function";
  return typeof type.execute === "function";
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
