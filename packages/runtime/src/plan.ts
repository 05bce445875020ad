import { isComposite, PLAN_DEFINITION, PLAN_RUN_ID, RunnableError, type GraphDef, type NodeType, type PlanCommandFactory, type PlanGraph, type PlanStep } from "@runnable-ts/sdk";
import { withTerminals } from "./graph-check";

const cliCommand: PlanCommandFactory = (kind, internalName) =>
  kind === "run" ? ["runnable", "execute-single-node", PLAN_RUN_ID, PLAN_DEFINITION, internalName] : ["runnable", "fan", PLAN_RUN_ID, PLAN_DEFINITION, internalName, kind === "fan-out" ? "out" : "in"];

/**
 * The graph as a plan, for a compiler that runs each step as a job of its own (Argo): every
 * step with its routing, whether it is a composite, its sub-graphs, whether its branches can
 * be fanned out, and the commands that run it or fan it out and in. Walks what the node types
 * declare; never looks at type names or node fields.
 * @throws RunnableError `E_GRAPH_INVALID` for a step whose node type is not in `nodeTypes`.
 * @example
 * ```ts
 * const plan = planOf(graph, session.nodeTypes);
 * plan.steps.map.commands.fanOut; // ["runnable", "fan", "<run_id>", "<definition>", "map", "out"]
 * ```
 */
export function planOf(graph: GraphDef, nodeTypes: ReadonlyMap<string, NodeType>, command: PlanCommandFactory = cliCommand): PlanGraph {
  return planGraph(graph, "", nodeTypes, command);
}

function planGraph(input: GraphDef, branch: string, nodeTypes: ReadonlyMap<string, NodeType>, command: PlanCommandFactory): PlanGraph {
  const graph = withTerminals(input);
  const failStep = Object.values(graph.steps).find((s) => nodeTypes.get(s.type)?.terminal === "fail")?.name;
  const steps: Record<string, PlanStep> = {};
  for (const node of Object.values(graph.steps)) {
    const internalName = branch ? `${branch}.${node.name}` : node.name;
    const type = nodeTypes.get(node.type);
    if (!type) throw new RunnableError("E_GRAPH_INVALID", `No node type "${node.type}" for step ${internalName}`, { step: internalName, type: node.type });
    const routing = {
      ...(node.next !== undefined && !type.terminal ? { next: node.next } : {}),
      ...(node.on_failure !== undefined ? { onFailure: node.on_failure } : {}),
      ...(!type.terminal && node.on_failure === undefined && failStep ? { failStep } : {}),
    };
    if (isComposite(type)) {
      const subgraphs = Object.fromEntries(
        Object.entries(type.subgraphs(node)).map(([key, sub]) => [key, planGraph(sub, `${internalName}.${key}`, nodeTypes, command)]),
      );
      steps[node.name] = {
        name: node.name,
        internalName,
        type: node.type,
        composite: true,
        fannable: type.fannable,
        subgraphs,
        ...routing,
        commands: { run: command("run", internalName), ...(type.fannable ? { fanOut: command("fan-out", internalName), fanIn: command("fan-in", internalName) } : {}) },
      };
    } else {
      const taskType = type.taskType?.(node);
      steps[node.name] = {
        name: node.name,
        internalName,
        type: node.type,
        composite: false,
        ...(type.terminal ? { terminal: type.terminal } : {}),
        ...(taskType ? { taskType } : {}),
        ...routing,
        commands: { run: command("run", internalName) },
      };
    }
  }
  return { branch, startAt: graph.start_at, steps };
}
