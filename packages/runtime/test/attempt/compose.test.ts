import { compose, type Stage } from "../../src/attempt/context";
import { context } from "./fakes";

describe("compose", () => {
  it("runs stages outermost first, each around the inner ones", async () => {
    const order: string[] = [];
    const stage = (name: string): Stage => async (_ctx, next) => {
      order.push(`${name} before`);
      await next(_ctx);
      order.push(`${name} after`);
    };
    await compose([stage("a"), stage("b"), stage("c")])(context());
    expect(order).toEqual(["a before", "b before", "c before", "c after", "b after", "a after"]);
  });

  it("lets a stage stop the chain by not calling next, and passes inner rejections out", async () => {
    const reached: string[] = [];
    const stop: Stage = async () => void reached.push("stop");
    const never: Stage = async () => void reached.push("never");
    await compose([stop, never])(context());
    expect(reached).toEqual(["stop"]);
    const boom: Stage = () => Promise.reject(new Error("inner"));
    await expect(compose([async (c, next) => next(c), boom])(context())).rejects.toThrow("inner");
  });
});
