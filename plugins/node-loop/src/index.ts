import { definePlugin, diffParameters, DYNAMIC_BRANCH_KEY, isGraphDef, type CompositeNodeType, type GraphDef } from "@runnable-ts/sdk";

/** The node type itself: one object for every run (the engine's optimized code then sees the same functions at each run). */
const loopType: CompositeNodeType = {
  fannable: false,
  validate(node) {
    const problems: string[] = [];
    if (!isGraphDef(node.branch)) problems.push("a loop step needs a `branch` graph");
    if (!Number.isInteger(node.max_iterations) || (node.max_iterations as number) < 1) problems.push("max_iterations must be an integer >= 1");
    if (typeof node.break_on !== "string" || node.break_on === "") problems.push("break_on must name a boolean parameter");
    if (typeof node.index_as !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(node.index_as)) problems.push("index_as must be an identifier");
    return problems;
  },
  subgraphs: (node): Record<string, GraphDef> => (isGraphDef(node.branch) ? { [DYNAMIC_BRANCH_KEY]: node.branch } : {}),
  async branches(context) {
    const { node } = context;
    const graph = node.branch as GraphDef;
    const breakOn = node.break_on as string;
    const indexAs = node.index_as as string;
    const start = await context.getParameters();
    return {
      count: node.max_iterations as number,
      request: (i, previous) => {
        if (previous && (previous.status !== "SUCCESS" || previous.parameters[breakOn]?.value === true)) return undefined;
        return { key: String(i), graph, parameters: previous?.parameters ?? start, iterVars: { [indexAs]: i } };
      },
    };
  },
  async merge(context, outcomes) {
    const last = outcomes.at(-1);
    if (!last || last.status !== "SUCCESS") {
      context.stepLog.message = last ? `iteration ${last.internalName} failed` : "no iteration ran";
      return "FAIL";
    }
    const changed = diffParameters(await context.getParameters(), last.parameters);
    if (Object.keys(changed).length > 0) await context.setParameters(changed);
    return "SUCCESS";
  },
};

/**
 * The `loop` node type: runs `branch` as `<loop>.0`, `<loop>.1`, … Iteration 0 starts with a
 * copy of the step's scope, each next one with the parameters the previous one left; the index
 * is visible as `index_as` (not stored as a parameter). Stops when `break_on` is `true` after an
 * iteration, or after `max_iterations`; then the parameters flow back to the parent scope.
 * A failed iteration fails the step (and nothing flows back). Not fannable: each iteration
 * needs the outcome of the one before, so a loop step runs in one process.
 */
export const loopNode = definePlugin({
  kind: "node",
  name: "loop",
  create: () => loopType,
});
