import { definePlugin, succeedStep, type LeafNodeType } from "@runnable-ts/sdk";

/**
 * The `fail` node type: ends its graph (run or branch) with status FAIL. Its own step
 * log records one successful attempt, as in the reference.
 */
export const failNode = definePlugin({
  kind: "node",
  name: "fail",
  create: (): LeafNodeType => ({ terminal: "fail", execute: succeedStep }),
});
