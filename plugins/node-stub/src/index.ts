import { definePlugin, succeedStep, type NodeType } from "@runnable-ts/sdk";

/** The `stub` node type: records one successful attempt and does nothing else. */
export const stubNode = definePlugin({
  kind: "node",
  name: "stub",
  create: (): NodeType => ({ execute: succeedStep }),
});
