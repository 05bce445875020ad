import type { GraphDef, NodeDef, NodeType, ValidateContext } from "@runnable-ts/sdk";

/** Every graph of a pipeline with the internal-name prefix of its branch ("" for the root). */
export function* walkGraphs(graph: GraphDef, prefix = ""): Generator<{ graph: GraphDef; prefix: string }> {
  yield { graph, prefix };
  for (const node of Object.values(graph.steps)) {
    const base = prefix ? `${prefix}.${node.name}` : node.name;
    for (const [key, sub] of Object.entries(subgraphsOf(node))) yield* walkGraphs(sub, `${base}.${key}`);
  }
}

/**
 * Sub-graphs of a composite node. By convention composite node types keep them in `branches`
 * (a map of graphs) and `branch` (one graph, its key shown as `<branch>`).
 */
export function subgraphsOf(node: NodeDef): Record<string, GraphDef> {
  const out: Record<string, GraphDef> = {};
  if (isGraph(node.branch)) out["<branch>"] = node.branch;
  if (typeof node.branches === "object" && node.branches !== null)
    for (const [k, g] of Object.entries(node.branches as Record<string, unknown>)) if (isGraph(g)) out[k] = g;
  return out;
}

/** The graph with its implicit `success` and `fail` steps added (recursively). */
export function withTerminals(graph: GraphDef): GraphDef {
  const steps: Record<string, NodeDef> = {};
  for (const [name, node] of Object.entries(graph.steps)) {
    const copy: Record<string, unknown> = { ...node };
    if (isGraph(node.branch)) copy.branch = withTerminals(node.branch);
    if (typeof node.branches === "object" && node.branches !== null)
      copy.branches = Object.fromEntries(Object.entries(node.branches as Record<string, GraphDef>).map(([k, g]) => [k, isGraph(g) ? withTerminals(g) : g]));
    steps[name] = copy as NodeDef;
  }
  const types = Object.values(steps).map((s) => s.type);
  if (!types.includes("success") && !steps.success) steps.success = { type: "success", name: "success" };
  if (!types.includes("fail") && !steps.fail) steps.fail = { type: "fail", name: "fail" };
  return { ...graph, steps };
}

/** Node and task type names used anywhere in the graph. */
export function typesUsed(graph: GraphDef): { nodeTypes: Set<string>; taskTypes: Set<string> } {
  const nodeTypes = new Set<string>();
  const taskTypes = new Set<string>();
  for (const { graph: g } of walkGraphs(graph))
    for (const node of Object.values(g.steps)) {
      nodeTypes.add(node.type);
      if (node.type === "task" && typeof node.command_type === "string") taskTypes.add(node.command_type);
    }
  return { nodeTypes, taskTypes };
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
  for (const { graph: g, prefix } of walkGraphs(graph)) {
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

function isGraph(value: unknown): value is GraphDef {
  return typeof value === "object" && value !== null && typeof (value as GraphDef).steps === "object";
}
