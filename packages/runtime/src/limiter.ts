import { isPromiseLike } from "@runnable-ts/sdk";
import { Pending, waitFor, type Waiter } from "./co";

/**
 * A counting semaphore without timers: `acquire` resolves at once while fewer than `limit`
 * holders exist, else when one releases (FIFO).
 */
export class Limiter {
  private active = 0;
  /** FIFO of waiters: `waiting[head]` is next; the array is compacted when half of it is spent. */
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(readonly limit: number) {}

  /** Current number of holders. */
  get running(): number {
    return this.active;
  }

  /** Takes a slot at once if one is free (true), else nothing (false). */
  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      next();
    } else this.active--;
  }

  /** Runs `fn` holding one slot (at once when one is free: no promise is spent on acquiring it). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.tryAcquire()) return this.holding(fn);
    return this.acquire().then(() => this.holding(fn));
  }

  private holding<T>(fn: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = fn();
    } catch (error) {
      this.release();
      return Promise.reject(error);
    }
    return running.then(
      (value) => {
        this.release();
        return value;
      },
      (error: unknown) => {
        this.release();
        throw error;
      },
    );
  }
}

/**
 * Runs `count` jobs with at most `width` in flight and answers with their results in order.
 * Jobs are started lazily, in order, so memory stays proportional to `width`, not `count`. A
 * job that answers synchronously makes room at once: when every job does, so does the pool
 * (no promise at all); else the answer is a {@link Pending} (thenable: awaiting it works). The
 * first job to fail (throw or reject) fails the pool; no job is started after it.
 */
export function pool<T>(count: number, width: number, job: (index: number) => T | PromiseLike<T>): T[] | Pending<T[]> {
  const state = new Pool(count, Math.max(1, width), job);
  // A job that ended while it was being started (an already-settled Pending) has told the pool:
  // the pool is itself the outcome to wait on, whenever it settled.
  return state.launch() ? state.results : state;
}

/** The state of one {@link pool}, and its outcome once some job waited. */
class Pool<T> extends Pending<T[]> {
  readonly results: T[];
  private next = 0;
  private inFlight = 0;
  // No job starts once one failed (the pool settles once: the first failure is its outcome).
  private failed = false;

  constructor(
    private readonly count: number,
    private readonly limit: number,
    private readonly job: (index: number) => T | PromiseLike<T>,
  ) {
    super();
    this.results = new Array<T>(count);
  }

  /** Starts jobs while there is room; true when every job has ended. */
  launch(): boolean {
    while (!this.failed && this.next < this.count && this.inFlight < this.limit) {
      const index = this.next++;
      let result: T | PromiseLike<T>;
      try {
        result = this.job(index);
      } catch (error) {
        // Thrown out of the pool (at once, or into a waiting job's callback below): jobs still in
        // flight must not start more when they end.
        this.failed = true;
        throw error;
      }
      if (!isPromiseLike(result)) {
        this.results[index] = result;
        continue;
      }
      this.inFlight++;
      // A job that waits tells its own waiter (one small object, no promise, for a coroutine's
      // Pending: see co.ts).
      waitFor(result, new PoolJob(this, index));
    }
    return !this.failed && this.next >= this.count && this.inFlight === 0;
  }

  /** Job `index` ended (`threw`: `value` is its error). */
  ended(index: number, threw: boolean, value: unknown): void {
    if (threw) return this.fail(value);
    this.results[index] = value as T;
    this.inFlight--;
    try {
      if (this.launch()) this.settle(false, this.results);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.failed = true;
    this.settle(true, error);
  }
}

/** The waiter of one job of a {@link Pool} in flight. */
class PoolJob<T> implements Waiter {
  constructor(
    private readonly pool: Pool<T>,
    private readonly index: number,
  ) {}

  resumed(threw: boolean, value: unknown): void {
    this.pool.ended(this.index, threw, value);
  }
}
