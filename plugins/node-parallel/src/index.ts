import { definePlugin, diffParameters, type GraphDef, type NodeType, type Parameters } from "@runnable-ts/sdk";

/**
 * The `parallel` node type: every branch starts with a copy of the step's scope; the step
 * succeeds when all branches do, and then their new or changed parameters are merged back,
 * in declaration order (the branch declared last wins a conflict).
 */
export const parallelNode = definePlugin({
  kind: "node",
  name: "parallel",
  create: (): NodeType => ({
    validate(node) {
      const branches = node.branches;
      if (typeof branches !== "object" || branches === null || Object.keys(branches).length === 0) return ["a parallel step needs at least one branch"];
      return [];
    },
    async execute(context) {
      const branches = Object.entries(context.node.branches as Record<string, GraphDef>);
      const before = await context.getParameters();
      const outcomes = await context.runBranches(branches.length, (i) => ({ key: branches[i]![0], graph: branches[i]![1], parameters: before }));
      const failed = outcomes.filter((o) => o.status !== "SUCCESS").map((o) => o.internalName);
      if (failed.length > 0 || outcomes.length < branches.length) {
        context.stepLog.message = failed.length > 0 ? `failed branches: ${failed.join(", ")}` : "not every branch ran";
        return "FAIL";
      }
      const merged: Parameters = {};
      for (const outcome of outcomes) Object.assign(merged, diffParameters(before, outcome.parameters));
      if (Object.keys(merged).length > 0) await context.setParameters(merged);
      return "SUCCESS";
    },
  }),
});
