import { definePlugin, succeedStep, type LeafNodeType } from "@runnable-ts/sdk";

/** One object for every run (the engine's optimized code then sees the same one at each run). */
const TYPE: LeafNodeType = { execute: succeedStep };

/** The `stub` node type: records one successful attempt and does nothing else. */
export const stubNode = definePlugin({
  kind: "node",
  name: "stub",
  create: () => TYPE,
});
