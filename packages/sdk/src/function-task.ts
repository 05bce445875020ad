import { isAsyncFunction } from "./authoring";
import { isPromiseLike, type Awaitable } from "./contracts";
import type { TaskInvocation, TaskType } from "./engine";
import { RunnableError } from "./errors";
import type { NodeDef, TaskContext, TaskFunction } from "./graph";
import { mapReturnValue } from "./returns";

/** True for async iterables (what an async generator function returns). */
function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

/**
 * The {@link TaskContext} of a function task. Its functions are made when read (destructuring
 * `{ log }` works), not for every attempt.
 */
class FunctionTaskContext implements TaskContext {
  readonly runId: string;
  readonly stepName: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly secrets: Readonly<Record<string, string>>;
  readonly resumeData: unknown;

  constructor(private readonly invocation: TaskInvocation) {
    this.runId = invocation.runId;
    this.stepName = invocation.stepName;
    this.attempt = invocation.attempt;
    this.signal = invocation.signal;
    this.secrets = invocation.secrets;
    this.resumeData = invocation.resumeData;
  }

  get emit(): TaskContext["emit"] {
    const invocation = this.invocation;
    return (event) => invocation.emit(event);
  }

  get log(): TaskContext["log"] {
    const invocation = this.invocation;
    return (...args) => invocation.log(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  }

  get suspend(): TaskContext["suspend"] {
    const invocation = this.invocation;
    return (payload) =>
      invocation.suspend
        ? invocation.suspend(payload)
        : Promise.reject(new RunnableError("E_SUSPEND_UNSUPPORTED", `step ${invocation.stepName}: this host cannot suspend a task`, { step: invocation.stepName }));
  }
}

/**
 * Calls a task function with the parameters object and a {@link TaskContext}, awaits a returned
 * promise, and drains an async generator: each yielded object with a `type` is emitted as an
 * event; the one whose type is the node's `stream_end_type` supplies the return value (one
 * return name: that field; several: the fields named by the returns, in order).
 * Answers with the values by return name — synchronously when the function returned a plain
 * value (no promise is spent on a plain function). Shared by the `function` and
 * `async-function` task types.
 * @throws RunnableError `E_RETURN_INVALID` when what the function returned does not fit its returns;
 *   whatever the function throws, as it threw it (synchronously for a plain function).
 */
export function runTaskFunction(fn: TaskFunction<Record<string, unknown>>, invocation: TaskInvocation): Awaitable<Record<string, unknown>> {
  const result = fn(invocation.params, new FunctionTaskContext(invocation));
  if (isPromiseLike(result)) return Promise.resolve(result).then((value) => returnsOf(value, invocation));
  return returnsOf(result, invocation);
}

function returnsOf(result: unknown, invocation: TaskInvocation): Awaitable<Record<string, unknown>> {
  return isAsyncIterable(result) ? drain(result, invocation) : mapReturnValue(invocation.node.returns, result);
}

async function drain(result: AsyncIterable<unknown>, invocation: TaskInvocation): Promise<Record<string, unknown>> {
  const returns = invocation.node.returns;
  const endType = typeof invocation.node.stream_end_type === "string" ? invocation.node.stream_end_type : "done";
  let end: Record<string, unknown> | undefined;
  for await (const item of result) {
    if (invocation.signal.aborted) throw invocation.signal.reason;
    if (typeof item !== "object" || item === null || typeof (item as { type?: unknown }).type !== "string") continue;
    const event = item as { type: string; [k: string]: unknown };
    const pending = invocation.emit(event);
    if (pending) await pending;
    if (event.type === endType) end = event;
  }
  if (returns.length === 0) return {};
  const names = returns.map((r) => r.name);
  if (!end) throw new RunnableError("E_RETURN_INVALID", `the generator ended without yielding a "${endType}" event carrying ${names.join(", ")}`, { step: invocation.stepName, returns: names });
  if (returns.length === 1) {
    const name = returns[0]!.name;
    const { type: _type, ...fields } = end;
    const keys = Object.keys(fields);
    return { [name]: name in fields ? fields[name] : keys.length === 1 ? fields[keys[0]!] : fields };
  }
  const missing = returns.filter((r) => !(r.name in end!));
  if (missing.length > 0) throw new RunnableError("E_RETURN_INVALID", `the "${endType}" event lacks ${missing.map((r) => r.name).join(", ")}`, { step: invocation.stepName, returns: names });
  return Object.fromEntries(returns.map((r) => [r.name, end![r.name]]));
}

/** Options of {@link functionTaskType}. */
export interface FunctionTaskOptions {
  /** True for `async-function`: only `async` functions and async generator functions are accepted. */
  readonly requireAsync: boolean;
}

/**
 * The task type behind `function` and `async-function`: the command is a function, or
 * `<module path>#<export>` naming one (loaded relative to the working directory), called by
 * {@link runTaskFunction}. `validate` reports a command that is not (or does not load as) a
 * function — or, with `requireAsync`, not an async one — when the pipeline is checked.
 * @example
 * export const functionTask = definePlugin({ kind: "task", name: "function", create: () => functionTaskType({ requireAsync: false }) });
 */
/** Functions `validate` loaded for a `<module path>#<export>` command, by node: `execute` calls them at once. */
const loaded = new WeakMap<NodeDef, unknown>();

export function functionTaskType(options: FunctionTaskOptions): TaskType {
  const expected = options.requireAsync ? "an async function or async generator function (command_type: async-function)" : "a function";
  const problemOf = (fn: unknown, label: string): string | undefined =>
    typeof fn !== "function" ? `${label} is not a function` : options.requireAsync && !isAsyncFunction(fn) ? `${label} must be ${expected}` : undefined;
  const resolve = (node: NodeDef, loadExport: (ref: string) => Promise<unknown>): unknown | Promise<unknown> =>
    typeof node.command === "function" ? node.command : loadExport(String(node.command));
  return {
    async validate(node, services) {
      const command = node.command;
      if (typeof command !== "function" && (typeof command !== "string" || !command.includes("#")))
        return [`command must be ${options.requireAsync ? "an async function" : "a function"} or "<module path>#<export>", got ${JSON.stringify(command)}`];
      try {
        const fn = await resolve(node, services.loadExport);
        const problem = problemOf(fn, typeof command === "string" ? command : "fn");
        if (!problem && typeof command === "string") loaded.set(node, fn);
        return problem ? [problem] : [];
      } catch (error) {
        return [error instanceof Error ? error.message : String(error)];
      }
    },
    execute(invocation) {
      const command = invocation.node.command;
      const run = (fn: unknown): Awaitable<Record<string, unknown>> => {
        const problem = problemOf(fn, typeof command === "string" ? command : "fn");
        if (problem) throw new RunnableError("E_TASK_FAILED", problem, { step: invocation.stepName });
        return runTaskFunction(fn as TaskFunction<Record<string, unknown>>, invocation);
      };
      // A function given in code, or loaded when the pipeline was checked, is called at once
      // (within this call: see runsSynchronously).
      const known = typeof command === "function" ? command : loaded.get(invocation.node);
      return known !== undefined ? run(known) : invocation.loadExport(String(command)).then(run);
    },
    // A plain function does its work within the call; an async or generator function after it.
    runsSynchronously(node) {
      const fn = typeof node.command === "function" ? node.command : loaded.get(node);
      // Not an async function nor a generator (which run after the call, when iterated).
      return typeof fn === "function" && fn.constructor?.name === "Function";
    },
  };
}
