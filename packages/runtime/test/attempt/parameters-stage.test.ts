import * as stages from "../../src/attempt/parameters-stage";
import { MemoryCatalog, context, fakeServices, nextDoing, promised } from "./fakes";

// The stages as tests call them (see `promised`).
const parametersStage = promised(stages.parametersStage);

describe("parametersStage", () => {
  it("gives the task the scope's values with map variables on top, counted as read", async () => {
    const ctx = context({ parameters: { a: { kind: "json", value: 1 }, item: { kind: "json", value: "outer" } }, iterVars: { item: "x" } });
    const next = nextDoing();
    await parametersStage(ctx, next);
    expect(next.calls).toBe(1);
    expect(ctx.values).toEqual({ a: 1, item: "x" });
    expect(ctx.available.item).toEqual({ kind: "json", value: "x" });
    expect([...ctx.used]).toEqual(["item"]);
    ctx.log.write("something");
    expect(ctx.log.text()).toBe("Parameters available for the execution: a, item\nsomething");
  });

  it("loads pickled parameters from the catalog", async () => {
    const catalog = new MemoryCatalog();
    await catalog.putBytes("run-1", "objects/s/d.pickle.json", Buffer.from(JSON.stringify({ v: "a date" })));
    const ctx = context({ services: fakeServices({ catalog }), parameters: { d: { kind: "object", value: "objects/s/d.pickle.json" } } });
    await parametersStage(ctx, nextDoing());
    expect(ctx.values.d).toBe("a date");
  });

  it("does not call the inner stages when the parameters cannot be read", async () => {
    const ctx = context({ getParameters: () => Promise.reject(new Error("store down")) });
    const next = nextDoing();
    await expect(parametersStage(ctx, next)).rejects.toThrow("store down");
    expect(next.calls).toBe(0);
  });
});
