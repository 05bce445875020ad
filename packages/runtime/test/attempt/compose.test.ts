import { drive, toPromise } from "../../src/co";
import { compose, type Stage } from "../../src/attempt/context";
import { context } from "./fakes";

describe("compose", () => {
  it("runs stages outermost first, each around the inner ones", async () => {
    const order: string[] = [];
    const stage = (name: string): Stage =>
      function* (ctx, next) {
        order.push(`${name} before`);
        yield Promise.resolve();
        yield* next(ctx);
        order.push(`${name} after`);
      };
    await toPromise(compose([stage("a"), stage("b"), stage("c")])(context()));
    expect(order).toEqual(["a before", "b before", "c before", "c after", "b after", "a after"]);
  });

  it("lets a stage stop the chain by not calling next, and passes inner throws out", async () => {
    const reached: string[] = [];
    // eslint-disable-next-line require-yield -- a stage that stops the chain
    const stop: Stage = function* () {
      reached.push("stop");
    };
    // eslint-disable-next-line require-yield -- never reached
    const never: Stage = function* () {
      reached.push("never");
    };
    await toPromise(compose([stop, never])(context()));
    expect(reached).toEqual(["stop"]);
    const boom: Stage = function* () {
      yield Promise.reject(new Error("inner"));
    };
    await expect(toPromise(compose([(c, next) => next(c), boom])(context()))).rejects.toThrow("inner");
  });

  it("runs synchronously, within the call, when no stage waits", () => {
    const order: string[] = [];
    const sync: Stage = function* (ctx, next) {
      order.push("in");
      yield* next(ctx);
      order.push("out");
    };
    expect(drive(compose([sync, sync])(context()))).toBeUndefined();
    expect(order).toEqual(["in", "in", "out", "out"]);
  });
});
