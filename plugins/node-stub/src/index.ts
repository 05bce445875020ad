import { definePlugin, succeedStep, type LeafNodeType } from "@runnable-ts/sdk";

/** The `stub` node type: records one successful attempt and does nothing else. */
export const stubNode = definePlugin({
  kind: "node",
  name: "stub",
  create: (): LeafNodeType => ({ execute: succeedStep }),
});
