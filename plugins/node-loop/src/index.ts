import { definePlugin, diffParameters, type GraphDef, type NodeType } from "@runnable-ts/sdk";

/**
 * The `loop` node type: runs `branch` as `<loop>.0`, `<loop>.1`, … Iteration 0 starts with a
 * copy of the step's scope, each next one with the parameters the previous one left; the index
 * is visible as `index_as` (not stored as a parameter). Stops when `break_on` is `true` after an
 * iteration, or after `max_iterations`; then the parameters flow back to the parent scope.
 * A failed iteration fails the step (and nothing flows back).
 */
export const loopNode = definePlugin({
  kind: "node",
  name: "loop",
  create: (): NodeType => ({
    validate(node) {
      const problems: string[] = [];
      if (typeof node.branch !== "object" || node.branch === null) problems.push("a loop step needs a `branch` graph");
      if (!Number.isInteger(node.max_iterations) || (node.max_iterations as number) < 1) problems.push("max_iterations must be an integer >= 1");
      if (typeof node.break_on !== "string" || node.break_on === "") problems.push("break_on must name a boolean parameter");
      if (typeof node.index_as !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(node.index_as)) problems.push("index_as must be an identifier");
      return problems;
    },
    async execute(context) {
      const { node, stepLog } = context;
      const before = await context.getParameters();
      let current = before;
      const max = node.max_iterations as number;
      for (let i = 0; i < max; i++) {
        const outcome = await context.runBranch({ key: String(i), graph: node.branch as GraphDef, parameters: current, iterVars: { [node.index_as as string]: i } });
        if (outcome.status !== "SUCCESS") {
          stepLog.message = `iteration ${outcome.internalName} failed`;
          return "FAIL";
        }
        current = outcome.parameters;
        if (current[node.break_on as string]?.value === true) break;
      }
      const changed = diffParameters(before, current);
      if (Object.keys(changed).length > 0) await context.setParameters(changed);
      return "SUCCESS";
    },
  }),
});
