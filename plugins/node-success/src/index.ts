import { definePlugin, newAttempt, type NodeType } from "@runnable-ts/sdk";

/**
 * The `success` node type: ends its graph (run or branch) with status SUCCESS. Its own step
 * log records one successful attempt, as in the reference.
 */
export const successNode = definePlugin({
  kind: "node",
  name: "success",
  create: (): NodeType => ({
    terminal: "success",
    async execute({ stepLog, services }) {
      stepLog.attempts.push(newAttempt({ attempt_number: stepLog.attempts.length + 1, status: "SUCCESS", retry_indicator: services.retryIndicator }));
      return "SUCCESS";
    },
  }),
});
