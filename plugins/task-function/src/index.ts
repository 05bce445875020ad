import { definePlugin, runTaskFunction, type NodeDef, type TaskFunction, type TaskType } from "@runnable-ts/sdk";

/** Checks that a function task's command is a function, or `<module>#<export>` naming one. */
export async function checkFunctionCommand(
  node: NodeDef,
  services: { loadExport(reference: string): Promise<unknown> },
  accept: (fn: (...args: never[]) => unknown) => string | undefined,
): Promise<string[]> {
  const command = node.command;
  if (typeof command === "function") return [accept(command as (...args: never[]) => unknown)].filter((p): p is string => p !== undefined);
  if (typeof command !== "string" || !command.includes("#")) return [`command must be "<module path>#<export>", got ${JSON.stringify(command)}`];
  try {
    const loaded = await services.loadExport(command);
    if (typeof loaded !== "function") return [`${command} is not a function`];
    return [accept(loaded as (...args: never[]) => unknown)].filter((p): p is string => p !== undefined);
  } catch (error) {
    return [(error as Error).message];
  }
}

/** Resolves the function a task runs. */
export async function functionOf(node: NodeDef, loadExport: (ref: string) => Promise<unknown>): Promise<TaskFunction<Record<string, unknown>>> {
  const command = node.command;
  const fn = typeof command === "function" ? command : await loadExport(String(command));
  if (typeof fn !== "function") throw new Error(`${String(command)} is not a function`);
  return fn as TaskFunction<Record<string, unknown>>;
}

/**
 * The `function` task type: calls a sync or async function (a returned promise is awaited;
 * an async generator is drained as an event stream) with the parameters object.
 */
export const functionTask = definePlugin({
  kind: "task",
  name: "function",
  create: (): TaskType => ({
    validate: (node, services) => checkFunctionCommand(node, services, () => undefined),
    async execute(invocation) {
      return runTaskFunction(await functionOf(invocation.node, invocation.loadExport), invocation);
    },
  }),
});
