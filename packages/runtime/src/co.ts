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
 * A coroutine with nothing to do, for a function that answers a `Co<void>` without waiting: a
 * generator that has completed answers `{ done: true }` to every `next`, so one serves every
 * caller (`yield* DONE` is a no-op) and none is made per call.
 */
export const DONE: Co<void> = (function* (): Co<void> {})();
DONE.next();

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
    if (isPromiseLike(value)) return resumeAfter(co, value);
    result = co.next(value);
  }
  return result.value;
}

/** Drives `co` on once `pending` settles: its value (or rejection) is what `co`'s yield answers. */
function resumeAfter<T>(co: Co<T>, pending: PromiseLike<unknown>): Promise<T> {
  return Promise.resolve(pending).then(
    (resolved) => advance(co, co.next(resolved)),
    (error: unknown) => advance(co, co.throw(error)),
  );
}

/**
 * A coroutine {@link start}ed and suspended on a promise. Awaited (it is a thenable, with `catch`
 * and `finally`), it is driven to its end like {@link drive}'s promise. A coroutine that receives
 * it can instead run the rest inline, `yield* suspended.rest()`: the waiting then costs one chain
 * of generators, not a second promise chain (a task step's attempts inside its branch).
 */
export class Suspended<T> implements PromiseLike<T> {
  private co: Co<T> | undefined;
  private promise: Promise<T> | undefined;

  constructor(
    co: Co<T>,
    private readonly pending: PromiseLike<unknown>,
  ) {
    this.co = co;
  }

  then<A = T, B = never>(onValue?: ((value: T) => A | PromiseLike<A>) | null, onError?: ((error: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.started().then(onValue, onError);
  }

  catch<B = never>(onError?: ((error: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.started().catch(onError);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.started().finally(onFinally);
  }

  /** True once awaited or run inline. */
  get claimed(): boolean {
    return this.co === undefined;
  }

  /** The rest of the coroutine, from the promise it waits on, to run inline (once, and not once awaited). */
  *rest(): Co<T> {
    const co = this.take();
    let value: unknown = this.pending;
    for (;;) {
      let sent: unknown;
      let rejected = false;
      let error: unknown;
      try {
        sent = yield value;
      } catch (thrown) {
        // The awaited promise rejected: thrown into the coroutine.
        rejected = true;
        error = thrown;
      }
      const result = rejected ? co.throw(error) : co.next(sent);
      if (result.done) return result.value;
      value = result.value;
    }
  }

  private started(): Promise<T> {
    return (this.promise ??= resumeAfter(this.take(), this.pending));
  }

  private take(): Co<T> {
    const co = this.co;
    if (!co) throw new Error("internal: a suspended coroutine was resumed twice");
    this.co = undefined;
    return co;
  }
}

/**
 * Runs `co` like {@link drive}, but where it first waits on a promise, answers the coroutine as
 * it stands, {@link Suspended}, instead of a promise.
 */
export function start<T>(co: Co<T>): T | Suspended<T> {
  let result = co.next();
  while (!result.done) {
    const value = result.value;
    if (isPromiseLike(value)) return new Suspended(co, value);
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
