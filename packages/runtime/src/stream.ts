import { ExecutionFailedError, type GraphDef, type RunEvent } from "@runnable-ts/sdk";
import { runPipeline, type RunOptions } from "./run";

/** Default number of events buffered before generator tasks are paused. */
export const DEFAULT_EVENT_BUFFER = 1024;

/**
 * Runs a pipeline and yields its events as they happen, in order. The buffer between the run and
 * the consumer is bounded: when `eventBuffer` events wait unread, generator tasks pause at their
 * next `yield` until the consumer catches up. Breaking out of the loop (or aborting `signal`)
 * cancels the run and waits for it to wind down. After the last event, throws
 * ExecutionFailedError if the run failed.
 */
export async function* streamGraph(graph: GraphDef, options: RunOptions): AsyncGenerator<RunEvent> {
  const limit = Math.max(1, options.eventBuffer ?? DEFAULT_EVENT_BUFFER);
  let queue: RunEvent[] = [];
  let head = 0;
  let wakeConsumer: (() => void) | undefined;
  let waitingProducers: (() => void)[] = [];
  const releaseProducers = (): void => {
    const waiting = waitingProducers;
    waitingProducers = [];
    for (const resume of waiting) resume();
  };
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
      const wake = wakeConsumer;
      wakeConsumer = undefined;
      wake?.();
      if (queue.length - head < limit || controller.signal.aborted) return undefined;
      return new Promise<void>((resume) => waitingProducers.push(resume));
    },
  }).finally(() => {
    finished = true;
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  });
  running.catch(() => undefined);
  try {
    for (;;) {
      while (head < queue.length) {
        const event = queue[head++]!;
        if (head >= 1024 && head * 2 >= queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        if (waitingProducers.length > 0 && queue.length - head <= limit / 2) releaseProducers();
        yield event;
      }
      if (finished) break;
      releaseProducers();
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
    const result = await running;
    if (result.status !== "SUCCESS") throw new ExecutionFailedError(result.runId, result.runLog);
  } finally {
    outer?.removeEventListener("abort", forward);
    if (!finished) {
      controller.abort(new Error("the consumer stopped reading events"));
      releaseProducers();
      await running.catch(() => undefined);
    }
  }
}
