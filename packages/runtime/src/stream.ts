import { ExecutionFailedError, type GraphDef, type RunEvent } from "@runnable-ts/sdk";
import { runPipeline, type RunOptions, type RunResult } from "./run";

/** Default number of events buffered before generator tasks are paused. */
export const DEFAULT_EVENT_BUFFER = 1024;

/**
 * Runs a pipeline and yields its events as they happen, in order. The run starts when the
 * first event is asked for. The buffer between the run and the consumer is bounded: when
 * `eventBuffer` events wait unread, the run's steps pause before their next step event and
 * generator tasks at their next `yield`, until the consumer catches up. Breaking out of the loop (or aborting `signal`) cancels the run and
 * waits for it to wind down. After the last event, throws ExecutionFailedError if the run failed.
 *
 * Written as a plain async iterator (not an async generator): an event already buffered is
 * handed over with one resolved promise, which matters at hundreds of thousands of events.
 */
export function streamGraph(graph: GraphDef, options: RunOptions): AsyncIterableIterator<RunEvent> {
  const limit = Math.max(1, options.eventBuffer ?? DEFAULT_EVENT_BUFFER);
  let queue: RunEvent[] = [];
  let head = 0;
  let wakeConsumer: (() => void) | undefined;
  let waitingProducers: (() => void)[] = [];
  let running: Promise<RunResult> | undefined;
  let finished = false;
  let done = false;
  const controller = new AbortController();
  const outer = options.signal;
  const forward = (): void => controller.abort(outer?.reason);

  const releaseProducers = (): void => {
    const waiting = waitingProducers;
    waitingProducers = [];
    for (const resume of waiting) resume();
  };
  const wake = (): void => {
    const resume = wakeConsumer;
    wakeConsumer = undefined;
    resume?.();
  };
  const start = (): Promise<RunResult> => {
    if (outer?.aborted) forward();
    outer?.addEventListener("abort", forward, { once: true });
    running = runPipeline(graph, {
      ...options,
      signal: controller.signal,
      onEvent: (event) => {
        queue.push(event);
        wake();
        if (queue.length - head < limit || controller.signal.aborted) return undefined;
        return new Promise<void>((resume) => waitingProducers.push(resume));
      },
    }).finally(() => {
      finished = true;
      outer?.removeEventListener("abort", forward);
      wake();
    });
    running.catch(() => undefined);
    return running;
  };
  const take = (): RunEvent => {
    const event = queue[head++]!;
    if (head >= 1024 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (waitingProducers.length > 0 && queue.length - head <= limit / 2) releaseProducers();
    return event;
  };
  const end = async (): Promise<IteratorResult<RunEvent>> => {
    done = true;
    const result = await running!;
    if (result.status !== "SUCCESS" && result.status !== "SUSPENDED") throw new ExecutionFailedError(result.runId, result.runLog);
    return { value: undefined, done: true };
  };

  const iterator: AsyncIterableIterator<RunEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    next(): Promise<IteratorResult<RunEvent>> {
      if (done) return Promise.resolve({ value: undefined, done: true });
      if (!running) start();
      if (head < queue.length) return Promise.resolve({ value: take(), done: false });
      if (finished) return end();
      releaseProducers();
      return new Promise<void>((resolve) => (wakeConsumer = resolve)).then(() => iterator.next());
    },
    async return(): Promise<IteratorResult<RunEvent>> {
      done = true;
      if (running && !finished) {
        controller.abort(new Error("the consumer stopped reading events"));
        releaseProducers();
        await running.catch(() => undefined);
      }
      return { value: undefined, done: true };
    },
  };
  return iterator;
}
