import { definePlugin, newAttempt, type NodeType } from "@runnable-ts/sdk";

/** The `stub` node type: records one successful attempt and does nothing else. */
export const stubNode = definePlugin({
  kind: "node",
  name: "stub",
  create: (): NodeType => ({
    async execute({ stepLog, services }) {
      stepLog.attempts.push(newAttempt({ attempt_number: stepLog.attempts.length + 1, status: "SUCCESS", retry_indicator: services.retryIndicator }));
      return "SUCCESS";
    },
  }),
});
