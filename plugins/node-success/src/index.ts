import { definePlugin, succeedStep, type LeafNodeType } from "@runnable-ts/sdk";

/** One object for every run (the engine's optimized code then sees the same one at each run). */
const TYPE: LeafNodeType = { terminal: "success", execute: succeedStep };

/**
 * The `success` node type: ends its graph (run or branch) with status SUCCESS. Its own step
 * log records one successful attempt, as in the reference.
 */
export const successNode = definePlugin({
  kind: "node",
  name: "success",
  create: () => TYPE,
});
