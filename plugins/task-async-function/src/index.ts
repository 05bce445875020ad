import { definePlugin, isAsyncFunction, runTaskFunction, type NodeDef, type TaskFunction, type TaskType } from "@runnable-ts/sdk";

async function resolveFunction(node: NodeDef, loadExport: (ref: string) => Promise<unknown>): Promise<unknown> {
  return typeof node.command === "function" ? node.command : loadExport(String(node.command));
}

/**
 * The `async-function` task type: runs an `async` function (awaited) or an async generator
 * function, whose yielded objects with a `type` are streamed as events; the event whose type is
 * the task's `stream_end_type` (default `done`) carries the return value. Anything else is
 * refused when the pipeline is checked ("must be an async function").
 */
export const asyncFunctionTask = definePlugin({
  kind: "task",
  name: "async-function",
  create: (): TaskType => ({
    async validate(node, services) {
      const command = node.command;
      if (typeof command !== "function" && (typeof command !== "string" || !command.includes("#")))
        return [`command must be an async function or "<module path>#<export>", got ${JSON.stringify(command)}`];
      let fn: unknown;
      try {
        fn = await resolveFunction(node, services.loadExport);
      } catch (error) {
        return [(error as Error).message];
      }
      return isAsyncFunction(fn) ? [] : [`${typeof command === "string" ? command : "fn"} must be an async function or async generator function (command_type: async-function)`];
    },
    async execute(invocation) {
      const fn = await resolveFunction(invocation.node, invocation.loadExport);
      if (!isAsyncFunction(fn)) throw new Error("must be an async function or async generator function");
      return runTaskFunction(fn as TaskFunction<Record<string, unknown>>, invocation);
    },
  }),
});
