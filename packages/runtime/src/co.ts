import { isPromiseLike, type Awaitable } from "@runnable-ts/sdk";

/**
 * Sync-first coroutines, the engine's way of waiting. A traversal step is a generator that
 * yields what it waits for: a store write, a task's outcome. {@link drive} hands a yielded value
 * straight back and suspends only on a promise, so a step whose store and task answer
 * synchronously (the in-memory store, a plain function) runs to its end within the call,
 * spending no promise — and one that does wait is one suspended generator chain, not a promise,
 * a reaction and a closure per `async` function it passes through. (Every promise costs a
 * promise hook while tasks are in flight with console capture on; 10,000 concurrent map
 * iterations hold all of them at once.)
 *
 * Inside a coroutine: `const x = (yield maybePromise) as T` waits for a value, `yield* other()`
 * runs another coroutine inline. A yielded promise that rejects is thrown at the `yield`.
 */
export type Co<T> = Generator<unknown, T, unknown>;

/**
 * Runs `co` to its end: synchronously while what it yields are plain values, else resolving
 * when it ends. What it throws before its first suspension is thrown from here.
 */
export function drive<T>(co: Co<T>): Awaitable<T> {
  return advance(co, co.next());
}

function advance<T>(co: Co<T>, result: IteratorResult<unknown, T>): Awaitable<T> {
  while (!result.done) {
    const value = result.value;
    if (isPromiseLike(value))
      return Promise.resolve(value).then(
        (resolved) => advance(co, co.next(resolved)),
        (error: unknown) => advance(co, co.throw(error)),
      );
    result = co.next(value);
  }
  return result.value;
}

/** {@link drive} for callers that want a promise: a synchronous result or throw becomes a settled one. */
export function toPromise<T>(co: Co<T>): Promise<T> {
  return promiseOf(() => drive(co));
}

/** What `fn` answers, as a promise: a synchronous answer or throw becomes a settled one. */
export function promiseOf<T>(fn: () => Awaitable<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * `onValue(value)` at once for a plain value, after it settles for a promise (`onError` for a
 * rejection): `then` without a promise when there is nothing to wait for. A throw from
 * `onValue` on a plain value is thrown from here.
 */
export function then<T, R>(value: Awaitable<T>, onValue: (value: T) => Awaitable<R>, onError?: (error: unknown) => Awaitable<R>): Awaitable<R> {
  if (isPromiseLike(value)) return Promise.resolve(value).then(onValue, onError);
  return onValue(value);
}
