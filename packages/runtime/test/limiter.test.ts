import { drive, Pending, type Co } from "../src/co";
import { Limiter, pool } from "../src/limiter";

describe("Limiter", () => {
  it("admits at most `limit` holders and hands slots out first in, first out, past the queue's compaction", async () => {
    const limiter = new Limiter(3);
    const order: number[] = [];
    let peak = 0;
    const jobs = Array.from({ length: 5000 }, (_, i) =>
      limiter.run(async () => {
        peak = Math.max(peak, limiter.running);
        order.push(i);
        await Promise.resolve();
      }),
    );
    await Promise.all(jobs);
    expect(peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(limiter.running).toBe(0);
  });

  it("gives a released slot to a waiter that queued after the queue was compacted", async () => {
    const limiter = new Limiter(1);
    await limiter.acquire();
    const woken: number[] = [];
    const first = Array.from({ length: 3000 }, (_, i) => limiter.acquire().then(() => woken.push(i)));
    for (let i = 0; i < 2500; i++) limiter.release();
    await Promise.all(first.slice(0, 2500));
    const late = limiter.acquire().then(() => woken.push(-1));
    for (let i = 0; i < 501; i++) limiter.release();
    await Promise.all([...first, late]);
    expect(woken).toEqual([...Array.from({ length: 3000 }, (_, i) => i), -1]);
    limiter.release();
    expect(limiter.running).toBe(0);
  });
});

describe("pool", () => {
  it("answers synchronously, in order, when every job does (no promise at all)", () => {
    const started: number[] = [];
    const results = pool(5, 2, (i) => {
      started.push(i);
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("keeps at most `width` waiting jobs in flight, starts them in order and keeps results in order", async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const results = pool(20, 3, async (i) => {
      started.push(i);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inFlight--;
      return i;
    });
    // Not the results yet: an outcome to wait on (a Pending, thenable).
    expect(results).toBeInstanceOf(Pending);
    await expect(results).resolves.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("mixes synchronous and waiting jobs: a synchronous one makes room at once", async () => {
    const results = pool(6, 2, (i) => (i % 2 === 0 ? Promise.resolve(`a${i}`) : `s${i}`));
    await expect(results).resolves.toEqual(["a0", "s1", "a2", "s3", "a4", "s5"]);
  });

  it("waits on coroutines that waited (drive's Pending) like promises: results in order, a failure fails the pool", async () => {
    function* job(i: number): Co<string> {
      const v = (yield new Promise((r) => setTimeout(() => r(i), 10 - i))) as number;
      if (v === 99) throw new Error("never");
      return `c${v}`;
    }
    await expect(pool(5, 3, (i) => drive(job(i)))).resolves.toEqual(["c0", "c1", "c2", "c3", "c4"]);
    function* broken(): Co<string> {
      yield Promise.resolve();
      throw new Error("branch broke");
    }
    await expect(pool(3, 2, (i) => (i === 1 ? drive(broken()) : drive(job(i))))).rejects.toThrow("branch broke");
  });

  it("settles when a job answers an outcome that has already settled: a failure fails the pool, results stay in order", async () => {
    /** An outcome that settled before anyone waited on it (waiting on it resumes the waiter at once). */
    class Settled<T> extends Pending<T> {
      constructor(threw: boolean, value: unknown) {
        super();
        this.settle(threw, value);
      }
    }
    // The failure reaches the pool while its first jobs are still being started.
    const first = pool(4, 2, (i) => (i === 1 ? new Settled<number>(true, new Error("failed before it was waited on")) : new Promise<number>((r) => setTimeout(() => r(i), 5))));
    await expect(Promise.race([first, new Promise((r) => setTimeout(() => r("still waiting"), 500))])).rejects.toThrow("failed before it was waited on");
    // Every job settled already: the results, in order, at once.
    expect(pool(3, 2, (i) => new Settled<number>(false, i * 2))).toEqual([0, 2, 4]);
    // Some waited, some had settled: in order once the last ends.
    await expect(pool(4, 2, (i) => (i % 2 === 0 ? new Settled<string>(false, `s${i}`) : Promise.resolve(`a${i}`)))).resolves.toEqual(["s0", "a1", "s2", "a3"]);
  });

  it("fails with the first failure and starts no job after it; a synchronous throw is thrown", async () => {
    const started: number[] = [];
    const failing = pool(10, 2, async (i) => {
      started.push(i);
      await Promise.resolve();
      if (i === 1) throw new Error("branch 1 broke");
      await new Promise((r) => setTimeout(r, 5));
      return i;
    });
    await expect(failing).rejects.toThrow("branch 1 broke");
    await new Promise((r) => setTimeout(r, 20));
    expect(Math.max(...started)).toBeLessThan(3);
    expect(() => pool(3, 1, (i) => {
      if (i === 1) throw new Error("sync throw");
      return i;
    })).toThrow("sync throw");
  });

  it("starts nothing more once a job threw synchronously while others were waiting", async () => {
    const started: number[] = [];
    expect(() =>
      pool(10, 3, (i) => {
        started.push(i);
        if (i === 1) throw new Error("sync throw");
        return new Promise((r) => setTimeout(r, 5));
      }),
    ).toThrow("sync throw");
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toEqual([0, 1]);
  });

  it("rejects with a synchronous throw of a job started when a waiting one ended", async () => {
    const failing = pool(3, 1, (i) => {
      if (i === 1) throw new Error("late sync throw");
      return Promise.resolve(i);
    });
    await expect(failing).rejects.toThrow("late sync throw");
  });

  it("answers an empty array for no jobs", () => {
    expect(pool(0, 4, () => 1)).toEqual([]);
  });
});

describe("Limiter.tryAcquire", () => {
  it("takes a free slot at once and refuses when none is free", () => {
    const limiter = new Limiter(2);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.running).toBe(2);
    limiter.release();
    expect(limiter.tryAcquire()).toBe(true);
  });
});
