import { GraphError, type GraphDef, type NodeType, type TaskType } from "@runnable-ts/sdk";
import type { RunScope } from "@runnable-ts/kernel";
import { hashOf, serializeGraph } from "./dag-hash";
import { checkGraph, typesUsed, walkGraphs, withTerminals } from "./graph-check";
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
 * structural and type-specific checks.
 * @throws GraphError with every problem found.
 */
export async function prepare(input: GraphDef, scope: RunScope, cwd: string): Promise<Prepared> {
  const { graph, dag, dagHash } = analyse(input);
  const problems: string[] = [];
  const { nodeTypes: nodeNames, taskTypes: taskNames } = typesUsed(graph);
  const nodeTypes = new Map<string, NodeType>();
  const taskTypes = new Map<string, TaskType>();
  for (const name of nodeNames) {
    try {
      nodeTypes.set(name, await scope.create("node", name));
    } catch (error) {
      problems.push(`unknown step type "${name}": ${messageOf(error).split("\n")[0]}`);
    }
  }
  for (const name of taskNames) {
    try {
      taskTypes.set(name, await scope.create("task", name));
    } catch (error) {
      problems.push(`unknown command_type "${name}": ${messageOf(error).split("\n")[0]}`);
    }
  }
  problems.push(
    ...checkGraph(graph, nodeTypes, {
      hasTaskType: (name) => taskTypes.has(name),
      taskTypes: () => [...taskTypes.keys()],
    }),
  );
  for (const { graph: g, prefix } of walkGraphs(graph))
    for (const node of Object.values(g.steps)) {
      if (node.type !== "task") continue;
      const taskType = taskTypes.get(String(node.command_type));
      for (const p of (await taskType?.validate?.(node, { loadExport: (ref) => loadExport(ref, cwd) })) ?? [])
        problems.push(`step "${prefix ? `${prefix}.${node.name}` : node.name}": ${p}`);
    }
  if (problems.length > 0) throw new GraphError(problems);
  return { graph, dag, dagHash, nodeTypes, taskTypes };
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
