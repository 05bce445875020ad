import type { TaskInvocation } from "./engine";
import type { TaskContext, TaskFunction } from "./graph";
import { mapReturnValue } from "./returns";

/** True for async iterables (what an async generator function returns). */
function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

/**
 * Calls a task function with the parameters object and a {@link TaskContext}, awaits a returned
 * promise, and drains an async generator: each yielded object with a `type` is emitted as an
 * event; the one whose type is the node's `stream_end_type` supplies the return value (one
 * return name: that field; several: the fields named by the returns, in order).
 * Resolves to the values by return name. Shared by the `function` and `async-function` task types.
 */
export async function runTaskFunction(fn: TaskFunction<Record<string, unknown>>, invocation: TaskInvocation): Promise<Record<string, unknown>> {
  const context: TaskContext = {
    runId: invocation.runId,
    stepName: invocation.stepName,
    attempt: invocation.attempt,
    signal: invocation.signal,
    secrets: invocation.secrets,
    emit: (event) => invocation.emit(event),
    log: (...args) => invocation.log(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")),
  };
  const result = await fn(invocation.params, context);
  const returns = invocation.node.returns;
  if (!isAsyncIterable(result)) return mapReturnValue(returns, result);
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
  if (!end) throw new Error(`the generator ended without yielding a "${endType}" event carrying ${returns.map((r) => r.name).join(", ")}`);
  if (returns.length === 1) {
    const name = returns[0]!.name;
    const { type: _type, ...fields } = end;
    const keys = Object.keys(fields);
    return { [name]: name in fields ? fields[name] : keys.length === 1 ? fields[keys[0]!] : fields };
  }
  const missing = returns.filter((r) => !(r.name in end!));
  if (missing.length > 0) throw new Error(`the "${endType}" event lacks ${missing.map((r) => r.name).join(", ")}`);
  return Object.fromEntries(returns.map((r) => [r.name, end![r.name]]));
}
