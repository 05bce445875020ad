import { drive, then, toPromise, type Co } from "../src/co";

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
    expect(result).toBeInstanceOf(Promise);
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
});
