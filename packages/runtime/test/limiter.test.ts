import { Limiter } from "../src/limiter";

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
