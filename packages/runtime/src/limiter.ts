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

  acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
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
    if (this.active < this.limit) {
      this.active++;
      return this.holding(fn);
    }
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
 * Runs `count` jobs with at most `width` in flight and resolves to their results in order.
 * Jobs are started lazily, so memory stays proportional to `width`, not `count`.
 */
export async function pool<T>(count: number, width: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, count)) }, worker));
  return results;
}
