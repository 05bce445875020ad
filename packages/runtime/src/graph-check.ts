import { isComposite, type GraphDef, type NodeDef, type NodeType, type ValidateContext } from "@runnable-ts/sdk";

/**
 * Every graph of a pipeline, each with its implicit terminals, and the internal-name prefix of
 * its branch ("" for the root; a branch whose keys are made at run time shows as `*`).
 * Sub-graphs are those the node types declare; a step of an unknown type is not entered.
 */
export function* walkGraphs(graph: GraphDef, nodeTypes: ReadonlyMap<string, NodeType>, prefix = ""): Generator<{ graph: GraphDef; prefix: string }> {
  const complete = withTerminals(graph);
  yield { graph: complete, prefix };
  for (const node of Object.values(complete.steps)) {
    const base = prefix ? `${prefix}.${node.name}` : node.name;
    for (const [key, sub] of Object.entries(subgraphsOf(node, nodeTypes))) yield* walkGraphs(sub, nodeTypes, `${base}.${key}`);
  }
}

/** Sub-graphs of a node, by branch key, as its node type declares them ({} for a leaf or an unknown type). */
export function subgraphsOf(node: NodeDef, nodeTypes: ReadonlyMap<string, NodeType>): Record<string, GraphDef> {
  const type = nodeTypes.get(node.type);
  return type && isComposite(type) ? type.subgraphs(node) : {};
}

const completed = new WeakMap<GraphDef, GraphDef>();

/**
 * The graph with its implicit `success` and `fail` steps (of node types `success` and `fail`)
 * added where it has no step of that name — this graph only: each
 * sub-graph gets its own when it is walked or run. Done once per graph object (graphs are not
 * changed after they are built), so the result is the same object every time.
 */
export function withTerminals(graph: GraphDef): GraphDef {
  let found = completed.get(graph);
  if (found) return found;
  // The definition format's convention: `next: success` / `next: fail` name these steps
  // unless the graph defines steps of those names itself.
  const steps: Record<string, NodeDef> = {};
  // Built by assignment, nodes copied: measured faster to walk and read than a spread of the
  // definition's own objects (about 10% of a 10,000-step chain's CPU).
  for (const [name, node] of Object.entries(graph.steps)) steps[name] = { ...node };
  if (!steps.success) steps.success = { type: "success", name: "success" };
  if (!steps.fail) steps.fail = { type: "fail", name: "fail" };
  found = { ...graph, steps };
  completed.set(graph, found);
  completed.set(found, found);
  return found;
}

/**
 * A problem found in a definition: its text, and where it is (a step by qualified name, or a
 * graph by prefix; optionally the key), so that a YAML definition can point at `file:line:col`.
 */
export interface DefinitionProblem {
  readonly message: string;
  /** Qualified name of the step (`par.branch1.hello`), when the problem is a step's. */
  readonly step?: string;
  /** Prefix of the graph ("" for the root), when the problem is a graph's. */
  readonly graph?: string;
  /** The key of the step or graph the problem is about (`next`, `start_at`…). */
  readonly key?: string;
}

/**
 * Structural checks of every graph: start step, names, `next`/`on_failure` targets, cycles,
 * plus each node type's own checks (except for the steps in `skipTypeChecks`, whose fields
 * already failed a stricter check). Returns every problem found (none: an empty list).
 */
export function checkGraph(graph: GraphDef, nodeTypes: ReadonlyMap<string, NodeType>, context: ValidateContext, skipTypeChecks: ReadonlySet<string> = new Set()): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const { graph: g, prefix } of walkGraphs(graph, nodeTypes)) {
    const where = prefix ? `branch ${prefix}` : "pipeline";
    const at = (name: string): string => (prefix ? `${prefix}.${name}` : name);
    if (!g.steps[g.start_at]) problems.push({ message: `${where}: start_at "${g.start_at}" is not one of its steps`, graph: prefix, key: "start_at" });
    for (const [key, node] of Object.entries(g.steps)) {
      const step = at(key);
      const problem = (message: string, field?: string): void => void problems.push({ message: `step "${step}": ${message}`, step, ...(field ? { key: field } : {}) });
      if (key.includes(".")) problem(`names may not contain "."`);
      const type = nodeTypes.get(node.type);
      if (!type) continue; // reported by the caller, which knows the installed types
      if (!type.terminal) {
        const next: unknown = node.next;
        if (next === undefined || next === "") problem(`missing "next" (name the following step, or success/fail)`);
        else if (typeof next !== "string") problem(`"next" must be the name of a step (a string), got ${typeof next} ${JSON.stringify(next)}`, "next");
        else if (!g.steps[next]) problem(`next "${next}" is not a step of ${where}`, "next");
      }
      const onFailure: unknown = node.on_failure;
      if (onFailure !== undefined && typeof onFailure !== "string") problem(`"on_failure" must be the name of a step (a string), got ${typeof onFailure} ${JSON.stringify(onFailure)}`, "on_failure");
      else if (onFailure !== undefined && !g.steps[onFailure]) problem(`on_failure "${String(onFailure)}" is not a step of ${where}`, "on_failure");
      if (!skipTypeChecks.has(step)) for (const p of type.validate?.(node, context) ?? []) problem(p);
    }
    const cycle = findCycle(g);
    if (cycle) problems.push({ message: `${where}: cycle ${cycle.map(at).join(" -> ")} (use a loop step to repeat work)`, step: at(cycle[0]!) });
  }
  return problems;
}

/** A cycle through `next`/`on_failure` edges, as step names, or undefined. Iterative: graphs may be long. */
function findCycle(g: GraphDef): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const edges = (name: string): string[] => {
    const node = g.steps[name];
    return [node?.next, node?.on_failure].filter((n): n is string => typeof n === "string" && g.steps[n] !== undefined);
  };
  for (const start of Object.keys(g.steps)) {
    if (state.has(start)) continue;
    const path: string[] = [start];
    const pending: string[][] = [edges(start)];
    state.set(start, "open");
    while (path.length > 0) {
      const next = pending[pending.length - 1]!.shift();
      if (next === undefined) {
        state.set(path.pop()!, "done");
        pending.pop();
        continue;
      }
      const seen = state.get(next);
      if (seen === "open") return [...path.slice(path.indexOf(next)), next];
      if (seen === "done") continue;
      state.set(next, "open");
      path.push(next);
      pending.push(edges(next));
    }
  }
  return undefined;
}
