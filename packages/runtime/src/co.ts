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

/** Told when a {@link Pending} settles: `threw` for a failure (then `value` is the error). */
export interface Waiter {
  resumed(threw: boolean, value: unknown): void;
}

/**
 * An outcome still to come that a coroutine waits on without a promise: whoever settles it
 * tells its waiters directly. {@link drive} answers one for a coroutine that waited, and a task
 * in flight is one (invoke-stage's `TaskCall`), so a map iteration waiting on its task costs
 * the task's own promises and one reaction to them, not a promise at every level above. A
 * thenable too: awaiting it works (that makes a promise).
 */
export class Pending<T> implements PromiseLike<T> {
  /** 0 while waiting, 1 once it has a value, 2 once it failed. */
  private state = 0;
  private result: unknown;
  private waiter: Waiter | undefined;
  private more: Waiter[] | undefined;

  /**
   * Settles it (once: later calls do nothing) and tells its waiters at once. Call it where
   * resuming them is safe — a promise reaction or a microtask, not inside someone else's call.
   * A waiter must not throw.
   */
  protected settle(threw: boolean, value: unknown): void {
    if (this.state !== 0) return;
    this.state = threw ? 2 : 1;
    this.result = value;
    const { waiter, more } = this;
    this.waiter = this.more = undefined;
    waiter?.resumed(threw, value);
    if (more) for (const w of more) w.resumed(threw, value);
  }

  /** Tells `waiter` when it settles (at once, when it has). */
  wait(waiter: Waiter): void {
    if (this.state !== 0) waiter.resumed(this.state === 2, this.result);
    else if (!this.waiter) this.waiter = waiter;
    else (this.more ??= []).push(waiter);
  }

  then<A = T, B = never>(onValue?: ((value: T) => A | PromiseLike<A>) | null, onError?: ((error: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return new Promise<T>((resolve, reject) => this.wait({ resumed: (threw, value) => (threw ? reject(value) : resolve(value as T)) })).then(onValue, onError);
  }
}

/** Calls `waiter` once `value` — a {@link Pending} or any thenable — settles. */
export function waitFor(value: PromiseLike<unknown>, waiter: Waiter): void {
  if (value instanceof Pending) value.wait(waiter);
  else
    Promise.resolve(value).then(
      (resolved) => waiter.resumed(false, resolved),
      (error: unknown) => waiter.resumed(true, error),
    );
}

/**
 * Runs `co` to its end: synchronously while what it yields are plain values, else answering a
 * {@link Pending} that settles when it ends. What it throws before its first suspension is
 * thrown from here.
 */
export function drive<T>(co: Co<T>): T | Pending<T> {
  return untilWaiting(co, Driven);
}

/** Runs `co` while what it yields are plain values: its result, or `suspended` of it where it first waits. */
function untilWaiting<T, S>(co: Co<T>, suspended: new (co: Co<T>, waiting: PromiseLike<unknown>) => S): T | S {
  let result = co.next();
  while (!result.done) {
    const value = result.value;
    if (isPromiseLike(value)) return new suspended(co, value);
    result = co.next(value);
  }
  return result.value;
}

/** A coroutine that waited, driven on by what it waits on: settles with its end. */
class Driven<T> extends Pending<T> implements Waiter {
  constructor(
    private readonly co: Co<T>,
    waiting: PromiseLike<unknown>,
  ) {
    super();
    waitFor(waiting, this);
  }

  resumed(threw: boolean, value: unknown): void {
    const { co } = this;
    let result: IteratorResult<unknown, T>;
    try {
      result = threw ? co.throw(value) : co.next(value);
      while (!result.done) {
        const next = result.value;
        if (isPromiseLike(next)) return waitFor(next, this);
        result = co.next(next);
      }
    } catch (error) {
      return this.settle(true, error);
    }
    this.settle(false, result.value);
  }
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
    return (this.promise ??= Promise.resolve(new Driven(this.take(), this.pending)));
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
  return untilWaiting(co, Suspended);
}

/** {@link drive} for callers that want a promise: a synchronous result or throw becomes a settled one. */
export function toPromise<T>(co: Co<T>): Promise<T> {
  return promiseOf(() => drive(co));
}

/** What `fn` answers, as a promise: a synchronous answer or throw becomes a settled one. */
export function promiseOf<T>(fn: () => T | PromiseLike<T>): Promise<T> {
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
