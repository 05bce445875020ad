import { definePlugin, succeedStep, type LeafNodeType } from "@runnable-ts/sdk";

/** One object for every run (the engine's optimized code then sees the same one at each run). */
const TYPE: LeafNodeType = { terminal: "fail", execute: succeedStep };

/**
 * The `fail` node type: ends its graph (run or branch) with status FAIL. Its own step
 * log records one successful attempt, as in the reference.
 */
export const failNode = definePlugin({
  kind: "node",
  name: "fail",
  create: () => TYPE,
});
