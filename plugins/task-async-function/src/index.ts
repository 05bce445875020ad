import { definePlugin, functionTaskType } from "@runnable-ts/sdk";

/**
 * The `async-function` task type: runs an `async` function (awaited) or an async generator
 * function, whose yielded objects with a `type` are streamed as events; the event whose type is
 * the task's `stream_end_type` (default `done`) carries the return value. Anything else is
 * refused when the pipeline is checked ("must be an async function").
 */
export const asyncFunctionTask = definePlugin({
  kind: "task",
  name: "async-function",
  create: () => functionTaskType({ requireAsync: true }),
});
