import { isPromiseLike, type Awaitable } from "@runnable-ts/sdk";

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
 * (no promise at all). The first job to fail (throw or reject) fails the pool; no job is
 * started after it.
 */
export function pool<T>(count: number, width: number, job: (index: number) => Awaitable<T>): Awaitable<T[]> {
  const results = new Array<T>(count);
  const limit = Math.max(1, width);
  let next = 0;
  let inFlight = 0;
  // No job starts once one failed; the pool's promise settles once.
  let failed = false;
  let settled = false;
  let settle: { resolve: (results: T[]) => void; reject: (error: unknown) => void } | undefined;
  const fail = (error: unknown): void => {
    failed = true;
    if (settled) return;
    settled = true;
    settle?.reject(error);
  };
  // Starts jobs while there is room; true when every job has ended.
  const launch = (): boolean => {
    while (!failed && next < count && inFlight < limit) {
      const index = next++;
      let result: Awaitable<T>;
      try {
        result = job(index);
      } catch (error) {
        // Thrown out of the pool (at once, or into a waiting job's callback below): jobs still in
        // flight must not start more when they end.
        failed = true;
        throw error;
      }
      if (!isPromiseLike(result)) {
        results[index] = result;
        continue;
      }
      inFlight++;
      Promise.resolve(result).then((value) => {
        results[index] = value;
        inFlight--;
        try {
          if (launch() && !settled) {
            settled = true;
            settle?.resolve(results);
          }
        } catch (error) {
          fail(error);
        }
      }, fail);
    }
    return !failed && next >= count && inFlight === 0;
  };
  if (launch()) return results;
  // Some job is waiting (a rejection always comes later, once `settle` is set).
  return new Promise<T[]>((resolve, reject) => void (settle = { resolve, reject }));
}
