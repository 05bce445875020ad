import { ExecutionFailedError, type GraphDef, type RunEvent } from "@runnable-ts/sdk";
import { runPipeline, type RunOptions } from "./run";

/**
 * Runs a pipeline and yields its events as they happen. Breaking out of the loop cancels the
 * run. After the last event, throws ExecutionFailedError if the run failed.
 */
export async function* streamGraph(graph: GraphDef, options: RunOptions): AsyncGenerator<RunEvent> {
  const queue: RunEvent[] = [];
  let wake: (() => void) | undefined;
  const controller = new AbortController();
  const outer = options.signal;
  const forward = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener("abort", forward, { once: true });
  let finished = false;
  const running = runPipeline(graph, {
    ...options,
    signal: controller.signal,
    onEvent: (event) => {
      queue.push(event);
      options.onEvent?.(event);
      wake?.();
    },
  }).finally(() => {
    finished = true;
    wake?.();
  });
  running.catch(() => undefined);
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    const result = await running;
    if (result.status !== "SUCCESS") throw new ExecutionFailedError(result.runId, result.runLog);
  } finally {
    outer?.removeEventListener("abort", forward);
    if (!finished) {
      controller.abort(new Error("the consumer stopped reading events"));
      await running.catch(() => undefined);
    }
  }
}
