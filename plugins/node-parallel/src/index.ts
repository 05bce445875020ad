import { definePlugin, diffParameters, graphsIn, type CompositeNodeType, type Parameters } from "@runnable-ts/sdk";

/** The node type itself: one object for every run (the engine's optimized code then sees the same functions at each run). */
const parallelType: CompositeNodeType = {
  fannable: true,
  validate(node) {
    if (Object.keys(graphsIn(node.branches)).length === 0) return ["a parallel step needs at least one branch"];
    return [];
  },
  subgraphs: (node) => graphsIn(node.branches),
  async branches(context) {
    const branches = Object.entries(graphsIn(context.node.branches));
    const parameters = await context.getParameters();
    return { count: branches.length, request: (i) => ({ key: branches[i]![0], graph: branches[i]![1], parameters }) };
  },
  async merge(context, outcomes) {
    const failed = outcomes.filter((o) => o.status !== "SUCCESS").map((o) => o.internalName);
    if (failed.length > 0) {
      context.stepLog.message = `failed branches: ${failed.join(", ")}`;
      return "FAIL";
    }
    const before = await context.getParameters();
    const merged: Parameters = {};
    for (const outcome of outcomes) Object.assign(merged, diffParameters(before, outcome.parameters));
    if (Object.keys(merged).length > 0) await context.setParameters(merged);
    return "SUCCESS";
  },
};

/**
 * The `parallel` node type: every branch starts with a copy of the step's scope; the step
 * succeeds when all branches do, and then their new or changed parameters are merged back,
 * in declaration order (the branch declared last wins a conflict). Fannable: the branches are
 * independent.
 */
export const parallelNode = definePlugin({
  kind: "node",
  name: "parallel",
  create: () => parallelType,
});
