import {
  definePlugin,
  DYNAMIC_BRANCH_KEY,
  isGraphDef,
  RunnableError,
  type BranchOutcome,
  type CompositeNodeType,
  type GraphDef,
  type NodeDef,
  type Parameter,
  type Parameters,
  type RunServices,
} from "@runnable-ts/sdk";

type Reducer = (values: unknown[]) => unknown;

/** The named reducers; `<module>#<export>` names a function `(values: unknown[]) => unknown`. */
export const NAMED_REDUCERS: Readonly<Record<string, Reducer>> = Object.freeze({
  list: (values) => values,
  sum: (values) => values.reduce((a: number, b) => a + Number(b), 0),
  min: (values) => (values.length === 0 ? null : values.reduce((a, b) => ((b as number) < (a as number) ? b : a))),
  max: (values) => (values.length === 0 ? null : values.reduce((a, b) => ((b as number) > (a as number) ? b : a))),
  first: (values) => values[0] ?? null,
  last: (values) => values[values.length - 1] ?? null,
  concat: (values) => (values.every((v) => typeof v === "string") ? values.join("") : values.flatMap((v) => (Array.isArray(v) ? v : [v]))),
});

/**
 * Branch keys of the iterations: `String(item)` when those are distinct, non-empty and free of
 * ".", else the item indices (so internal names stay unambiguous).
 */
export function iterationKeys(items: readonly unknown[]): string[] {
  const keys = items.map((item) => String(item));
  const usable = keys.every((k) => k !== "" && !k.includes(".")) && new Set(keys).size === keys.length;
  return usable ? keys : items.map((_, i) => String(i));
}

/**
 * Names the map reduces: every parameter an iteration's branch set (its tasks' returns and
 * what composites nested in it merged or reduced), in order of first appearance.
 */
function reducedNames(outcomes: readonly BranchOutcome[]): string[] {
  const names = new Set<string>();
  for (const outcome of outcomes) for (const name of Object.keys(outcome.own)) names.add(name);
  return [...names];
}

async function reducerOf(node: NodeDef, services: RunServices): Promise<Reducer> {
  const name = typeof node.reducer === "string" ? node.reducer : "list";
  const named = NAMED_REDUCERS[name];
  if (named) return named;
  const loaded = await services.loadExport(name);
  if (typeof loaded !== "function") throw new RunnableError("E_GRAPH_INVALID", `reducer ${name} is not a function (export a function (values: unknown[]) => unknown)`, { plugin: "map" });
  return loaded as Reducer;
}

/** The node type itself: one object for every run (the engine's optimized code then sees the same functions at each run). */
const mapType: CompositeNodeType = {
  fannable: true,
  validate(node) {
    const problems: string[] = [];
    if (typeof node.iterate_on !== "string" || node.iterate_on === "") problems.push("iterate_on must name a list parameter");
    if (typeof node.iterate_as !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(node.iterate_as)) problems.push("iterate_as must be an identifier");
    if (!isGraphDef(node.branch)) problems.push("a map step needs a `branch` graph");
    if (node.reducer !== undefined && (typeof node.reducer !== "string" || (!(node.reducer in NAMED_REDUCERS) && !node.reducer.includes("#"))))
      problems.push(`reducer ${JSON.stringify(node.reducer)} must be one of ${Object.keys(NAMED_REDUCERS).join(", ")} or "<module>#<export>"`);
    return problems;
  },
  subgraphs: (node): Record<string, GraphDef> => (isGraphDef(node.branch) ? { [DYNAMIC_BRANCH_KEY]: node.branch } : {}),
  async branches(context) {
    const { node, services } = context;
    const parameters = await context.getParameters();
    const source = parameters[node.iterate_on as string];
    if (!source) throw new Error(`iterate_on parameter "${String(node.iterate_on)}" is not in scope (available: ${Object.keys(parameters).join(", ") || "none"})`);
    const items = await services.valueOf(source);
    if (!Array.isArray(items)) throw new Error(`iterate_on parameter "${String(node.iterate_on)}" must be a list, got ${items === null ? "null" : typeof items}`);
    const keys = iterationKeys(items);
    const graph = node.branch as GraphDef;
    const as = node.iterate_as as string;
    return { count: items.length, request: (i) => ({ key: keys[i]!, graph, parameters, iterVars: { [as]: items[i] } }) };
  },
  async merge(context, outcomes) {
    const { node, services } = context;
    const failed = outcomes.filter((o) => o.status !== "SUCCESS").map((o) => o.internalName);
    if (failed.length > 0) {
      context.stepLog.message = `failed iterations: ${failed.join(", ")}`;
      return "FAIL";
    }
    const names = reducedNames(outcomes);
    if (names.length === 0) return "SUCCESS";
    const reduce = await reducerOf(node, services);
    const reduced: Parameters = {};
    for (const name of names) {
      // What the iteration set, else what it inherited (read only then: most iterations set it).
      const found = outcomes.map((o) => o.own[name] ?? o.parameters[name]).filter((p): p is Parameter => p !== undefined);
      // Pickled values are loaded; plain ones are used as they are (no promise per iteration).
      const value = reduce(found.some((p) => p.kind === "object") ? await Promise.all(found.map((p) => services.valueOf(p))) : found.map((p) => p.value));
      if (found.some((p) => p.kind === "object")) {
        const file = `objects/${context.internalName}/${name}${services.pickler.extension}`;
        await services.catalog.putBytes(services.runId, file, await services.pickler.dumps(value));
        reduced[name] = { kind: "object", value: file };
      } else reduced[name] = { kind: found[0]!.kind, value };
    }
    await context.setParameters(reduced);
    return "SUCCESS";
  },
};

/**
 * The `map` node type: runs `branch` once per item of the list parameter `iterate_on` (read
 * from the step's scope), the item visible as `iterate_as`. Each iteration starts with a copy of
 * the scope. On success every parameter the iterations set (their tasks' returns, nested
 * composites' results included) is reduced over the iterations, in item order (default: a
 * list), into the scope; an iteration that did not set it contributes the value it inherited,
 * if any. Pickled returns stay pickled. One failed iteration fails the step; the others still
 * run. Fannable: iterations are independent.
 */
export const mapNode = definePlugin({
  kind: "node",
  name: "map",
  create: () => mapType,
});
