import { definePlugin, type GraphDef, type NodeDef, type NodeType, type Parameter, type Parameters, type RunServices } from "@runnable-ts/sdk";

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

/** Names returned by the top-level task steps of the branch: what the map reduces. */
function reducedNames(branch: GraphDef): string[] {
  const names = new Set<string>();
  for (const node of Object.values(branch.steps))
    if (node.type === "task" && Array.isArray(node.returns)) for (const r of node.returns as { name: string }[]) names.add(r.name);
  return [...names];
}

async function valueOf(services: RunServices, p: Parameter): Promise<unknown> {
  return p.kind === "object" ? services.pickler.loads(await services.catalog.getBytes(services.runId, String(p.value))) : p.value;
}

async function reducerOf(node: NodeDef, services: RunServices): Promise<Reducer> {
  const name = typeof node.reducer === "string" ? node.reducer : "list";
  const named = NAMED_REDUCERS[name];
  if (named) return named;
  const loaded = await services.loadExport(name);
  if (typeof loaded !== "function") throw new Error(`reducer ${name} is not a function`);
  return loaded as Reducer;
}

/**
 * The `map` node type: runs `branch` once per item of the list parameter `iterate_on` (read
 * from the step's scope), the item visible as `iterate_as`. Each iteration starts with a copy of
 * the scope. On success the returns of the branch's top-level tasks are reduced over the
 * iterations, in item order (default: a list), into the scope; pickled returns stay pickled.
 * One failed iteration fails the step; the others still run.
 */
export const mapNode = definePlugin({
  kind: "node",
  name: "map",
  create: (): NodeType => ({
    validate(node) {
      const problems: string[] = [];
      if (typeof node.iterate_on !== "string" || node.iterate_on === "") problems.push("iterate_on must name a list parameter");
      if (typeof node.iterate_as !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(node.iterate_as)) problems.push("iterate_as must be an identifier");
      if (typeof node.branch !== "object" || node.branch === null) problems.push("a map step needs a `branch` graph");
      if (node.reducer !== undefined && (typeof node.reducer !== "string" || (!(node.reducer in NAMED_REDUCERS) && !node.reducer.includes("#"))))
        problems.push(`reducer ${JSON.stringify(node.reducer)} must be one of ${Object.keys(NAMED_REDUCERS).join(", ")} or "<module>#<export>"`);
      return problems;
    },
    async execute(context) {
      const { node, services, stepLog } = context;
      const before = await context.getParameters();
      const source = before[node.iterate_on as string];
      if (!source) {
        stepLog.message = `iterate_on parameter "${String(node.iterate_on)}" is not in scope (available: ${Object.keys(before).join(", ") || "none"})`;
        return "FAIL";
      }
      const items = await valueOf(services, source);
      if (!Array.isArray(items)) {
        stepLog.message = `iterate_on parameter "${String(node.iterate_on)}" must be a list, got ${items === null ? "null" : typeof items}`;
        return "FAIL";
      }
      const keys = iterationKeys(items);
      const graph = node.branch as GraphDef;
      const outcomes = await context.runBranches(items.length, (i) => ({ key: keys[i]!, graph, parameters: before, iterVars: { [node.iterate_as as string]: items[i] } }));
      const failed = outcomes.filter((o) => o.status !== "SUCCESS").map((o) => o.internalName);
      if (failed.length > 0 || outcomes.length < items.length) {
        stepLog.message = failed.length > 0 ? `failed iterations: ${failed.join(", ")}` : "not every iteration ran";
        return "FAIL";
      }
      const reduce = await reducerOf(node, services);
      const reduced: Parameters = {};
      for (const name of reducedNames(graph)) {
        const found = outcomes.map((o) => o.parameters[name]).filter((p): p is Parameter => p !== undefined);
        if (found.length === 0) continue;
        const value = reduce(await Promise.all(found.map((p) => valueOf(services, p))));
        const kind = found[0]!.kind;
        if (kind === "object") {
          const file = `objects/${context.internalName}/${name}${services.pickler.extension}`;
          await services.catalog.putBytes(services.runId, file, await services.pickler.dumps(value));
          reduced[name] = { kind, value: file };
        } else reduced[name] = { kind, value };
      }
      if (Object.keys(reduced).length > 0) await context.setParameters(reduced);
      return "SUCCESS";
    },
  }),
});
