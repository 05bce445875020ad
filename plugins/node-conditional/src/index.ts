import { definePlugin, diffParameters, graphsIn, type CompositeNodeType } from "@runnable-ts/sdk";

/** The node type itself: one object for every run (the engine's optimized code then sees the same functions at each run). */
const conditionalType: CompositeNodeType = {
  fannable: true,
  validate(node) {
    const problems: string[] = [];
    if (typeof node.parameter !== "string" || node.parameter === "") problems.push("a conditional step needs `parameter`, the name of the parameter to branch on");
    if (Object.keys(graphsIn(node.branches)).length === 0) problems.push("a conditional step needs at least one branch");
    return problems;
  },
  subgraphs: (node) => graphsIn(node.branches),
  async branches(context) {
    const name = String(context.node.parameter);
    const branches = graphsIn(context.node.branches);
    const parameters = await context.getParameters();
    const parameter = parameters[name];
    if (!parameter) throw new Error(`parameter "${name}" is not in scope (available: ${Object.keys(parameters).join(", ") || "none"})`);
    const key = String(parameter.value);
    const graph = branches[key];
    if (!graph) throw new Error(`no branch for ${name} = ${JSON.stringify(parameter.value)}; branches: ${Object.keys(branches).join(", ")}`);
    return { count: 1, request: () => ({ key, graph, parameters }) };
  },
  async merge(context, outcomes) {
    const outcome = outcomes[0]!;
    if (outcome.status !== "SUCCESS") {
      context.stepLog.message = `branch ${outcome.internalName} failed`;
      return "FAIL";
    }
    const changed = diffParameters(await context.getParameters(), outcome.parameters);
    if (Object.keys(changed).length > 0) await context.setParameters(changed);
    return "SUCCESS";
  },
};

/**
 * The `conditional` node type: runs the branch whose name equals `String(value)` of the
 * parameter `parameter` in the step's scope; the branch starts with a copy of the scope and its
 * new or changed parameters merge back on success. No matching branch is a FAIL step.
 * Fannable: its one branch can run as a separate job.
 */
export const conditionalNode = definePlugin({
  kind: "node",
  name: "conditional",
  create: () => conditionalType,
});
