import { drive, Pending, start, Suspended, then, toPromise, type Co } from "../src/co";

describe("sync-first coroutines", () => {
  it("run to their end within the call while what they yield are plain values", () => {
    function* inner(x: number): Co<number> {
      const y = (yield x + 1) as number;
      return y * 2;
    }
    function* outer(): Co<number> {
      const a = (yield* inner(1)) + ((yield 10) as number);
      return a;
    }
    // Synchronous: the result itself, not a promise.
    expect(drive(outer())).toBe(14);
  });

  it("suspend on a promise only, and hand its value back at the yield", async () => {
    const order: string[] = [];
    function* co(): Co<string> {
      order.push("start");
      const v = (yield Promise.resolve("later")) as string;
      order.push(`got ${v}`);
      const w = (yield "now") as string;
      return `${v}+${w}`;
    }
    const result = drive(co());
    order.push("returned");
    expect(result).toBeInstanceOf(Pending);
    await expect(result).resolves.toBe("later+now");
    expect(order).toEqual(["start", "returned", "got later"]);
  });

  it("throw a rejection at the yield, where try/catch and finally see it", async () => {
    const seen: string[] = [];
    function* co(): Co<string> {
      try {
        yield Promise.reject(new Error("store down"));
        return "unreached";
      } catch (error) {
        seen.push((error as Error).message);
        return "recovered";
      } finally {
        seen.push("finally");
      }
    }
    await expect(drive(co())).resolves.toBe("recovered");
    expect(seen).toEqual(["store down", "finally"]);
  });

  it("wait for any thenable, not only native promises (a plugin may return one)", async () => {
    const thenable = { then: (resolve: (v: number) => void) => setTimeout(() => resolve(7), 1) };
    function* co(): Co<number> {
      return ((yield thenable) as number) + 1;
    }
    await expect(drive(co())).resolves.toBe(8);
  });

  it("throw synchronously from drive before a suspension, and reject after one; toPromise always settles", async () => {
    // eslint-disable-next-line require-yield -- a coroutine that never waits
    function* early(): Co<never> {
      throw new Error("at once");
    }
    expect(() => drive(early())).toThrow("at once");
    await expect(toPromise(early())).rejects.toThrow("at once");
    function* late(): Co<never> {
      yield Promise.resolve();
      throw new Error("after a wait");
    }
    await expect(drive(late())).rejects.toThrow("after a wait");
    // eslint-disable-next-line require-yield -- a coroutine that never waits
    function* sync(): Co<number> {
      return 3;
    }
    await expect(toPromise(sync())).resolves.toBe(3);
  });

  it("`then` calls back at once for a value and after settling for a promise", async () => {
    let called = false;
    const now = then(2, (v) => {
      called = true;
      return v * 2;
    });
    expect(called).toBe(true);
    expect(now).toBe(4);
    await expect(then(Promise.resolve(2), (v) => v * 3)).resolves.toBe(6);
    await expect(then(Promise.reject(new Error("x")), () => 0, () => -1)).resolves.toBe(-1);
  });

  describe("start: a coroutine as it stands where it first waits", () => {
    function* steps(log: string[]): Co<string> {
      log.push("a");
      const x = (yield "plain") as string;
      log.push(`got ${x}`);
      let y: string;
      try {
        y = (yield Promise.reject(new Error("store down"))) as string;
      } catch (error) {
        y = `caught ${(error as Error).message}`;
      }
      log.push(y);
      const z = (yield Promise.resolve("later")) as string;
      return `${x}/${y}/${z}`;
    }

    it("answers the value itself when nothing waits, else a Suspended that awaiting drives to its end", async () => {
      // eslint-disable-next-line require-yield -- a coroutine that never waits
      function* sync(): Co<number> {
        return 5;
      }
      expect(start(sync())).toBe(5);
      const log: string[] = [];
      const suspended = start(steps(log));
      expect(suspended).toBeInstanceOf(Suspended);
      expect(log).toEqual(["a", "got plain"]);
      await expect(suspended).resolves.toBe("plain/caught store down/later");
      await expect(Promise.resolve(start(steps([])) as Suspended<string>).then((v) => v.length)).resolves.toBe(29);
      // catch / finally, as a plugin holding a promise would call them.
      const failing = start((function* (): Co<never> { yield Promise.resolve(); throw new Error("late"); })()) as Suspended<never>;
      let finished = false;
      await expect(failing.finally(() => (finished = true)).catch((e: Error) => e.message)).resolves.toBe("late");
      expect(finished).toBe(true);
    });

    it("runs the rest inline in the coroutine that gets it: rejections reach the coroutine's catch, its result is the yield*'s", async () => {
      const log: string[] = [];
      function* outer(): Co<string> {
        const suspended = start(steps(log)) as Suspended<string>;
        const result = yield* suspended.rest();
        log.push("outer done");
        return result;
      }
      await expect(drive(outer())).resolves.toBe("plain/caught store down/later");
      expect(log).toEqual(["a", "got plain", "caught store down", "outer done"]);
    });

    it("refuses to be resumed twice (run inline after being awaited)", () => {
      const suspended = start(steps([])) as Suspended<string>;
      void suspended.then(() => undefined);
      expect(() => suspended.rest().next()).toThrow("resumed twice");
    });
  });
});

/** A Pending settled from outside (as a task's call settles its own). */
class Outcome<T> extends Pending<T> {
  succeed(value: T): void {
    this.settle(false, value);
  }
  fail(error: unknown): void {
    this.settle(true, error);
  }
}

describe("Pending: an outcome a coroutine waits on without a promise", () => {
  it("resumes the coroutine waiting on it when it settles, within the settling call, and once", () => {
    const order: string[] = [];
    const outcome = new Outcome<number>();
    function* co(): Co<number> {
      order.push("start");
      const v = (yield outcome) as number;
      order.push(`got ${v}`);
      return v + 1;
    }
    const driven = drive(co());
    expect(driven).toBeInstanceOf(Pending);
    let ended: unknown;
    (driven as Pending<number>).wait({ resumed: (threw, value) => void (ended = { threw, value }) });
    outcome.succeed(41);
    // No microtask in between: the waiting coroutine and its own waiter ran in the call.
    expect(order).toEqual(["start", "got 41"]);
    expect(ended).toEqual({ threw: false, value: 42 });
    outcome.succeed(0);
    expect(order).toEqual(["start", "got 41"]);
  });

  it("throws a failure at the yield, tells every waiter (and one that comes late), and is a thenable", async () => {
    const outcome = new Outcome<number>();
    function* co(): Co<string> {
      try {
        yield outcome;
        return "unreached";
      } catch (error) {
        return `caught ${(error as Error).message}`;
      }
    }
    const driven = drive(co()) as Pending<string>;
    const awaited = Promise.resolve(outcome).catch((e: Error) => `awaited ${e.message}`);
    outcome.fail(new Error("timed out"));
    await expect(driven).resolves.toBe("caught timed out");
    await expect(awaited).resolves.toBe("awaited timed out");
    const late: unknown[] = [];
    outcome.wait({ resumed: (threw, value) => void late.push(threw, (value as Error).message) });
    expect(late).toEqual([true, "timed out"]);
  });
});
