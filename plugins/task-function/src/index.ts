import { definePlugin, functionTaskType } from "@runnable-ts/sdk";

/**
 * The `function` task type: calls a sync or async function (a returned promise is awaited;
 * an async generator is drained as an event stream) with the parameters object.
 */
export const functionTask = definePlugin({
  kind: "task",
  name: "function",
  create: () => functionTaskType({ requireAsync: false }),
});
