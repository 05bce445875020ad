import { definePlugin, diffParameters, type GraphDef, type NodeType } from "@runnable-ts/sdk";

/**
 * The `conditional` node type: runs the branch whose name equals `String(value)` of the
 * parameter `parameter` in the step's scope; the branch starts with a copy of the scope and its
 * new or changed parameters merge back on success. No matching branch is a FAIL step.
 */
export const conditionalNode = definePlugin({
  kind: "node",
  name: "conditional",
  create: (): NodeType => ({
    validate(node) {
      const problems: string[] = [];
      if (typeof node.parameter !== "string" || node.parameter === "") problems.push("a conditional step needs `parameter`, the name of the parameter to branch on");
      const branches = node.branches;
      if (typeof branches !== "object" || branches === null || Object.keys(branches).length === 0) problems.push("a conditional step needs at least one branch");
      return problems;
    },
    async execute(context) {
      const { node, stepLog } = context;
      const name = String(node.parameter);
      const branches = node.branches as Record<string, GraphDef>;
      const before = await context.getParameters();
      const parameter = before[name];
      if (!parameter) {
        stepLog.message = `parameter "${name}" is not in scope (available: ${Object.keys(before).join(", ") || "none"})`;
        return "FAIL";
      }
      const key = String(parameter.value);
      const graph = branches[key];
      if (!graph) {
        stepLog.message = `no branch for ${name} = ${JSON.stringify(parameter.value)}; branches: ${Object.keys(branches).join(", ")}`;
        return "FAIL";
      }
      const outcome = await context.runBranch({ key, graph, parameters: before });
      if (outcome.status !== "SUCCESS") {
        stepLog.message = `branch ${outcome.internalName} failed`;
        return "FAIL";
      }
      const changed = diffParameters(before, outcome.parameters);
      if (Object.keys(changed).length > 0) await context.setParameters(changed);
      return "SUCCESS";
    },
  }),
});
