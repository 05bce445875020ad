import { definePlugin, succeedStep, type LeafNodeType } from "@runnable-ts/sdk";

/**
 * The `success` node type: ends its graph (run or branch) with status SUCCESS. Its own step
 * log records one successful attempt, as in the reference.
 */
export const successNode = definePlugin({
  kind: "node",
  name: "success",
  create: (): LeafNodeType => ({ terminal: "success", execute: succeedStep }),
});
