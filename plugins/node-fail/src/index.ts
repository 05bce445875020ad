import { definePlugin, newAttempt, type NodeType } from "@runnable-ts/sdk";

/**
 * The `fail` node type: ends its graph (run or branch) with status FAIL. Its own step
 * log records one successful attempt, as in the reference.
 */
export const failNode = definePlugin({
  kind: "node",
  name: "fail",
  create: (): NodeType => ({
    terminal: "fail",
    async execute({ stepLog, services }) {
      stepLog.attempts.push(newAttempt({ attempt_number: stepLog.attempts.length + 1, status: "SUCCESS", retry_indicator: services.retryIndicator }));
      return "SUCCESS";
    },
  }),
});
