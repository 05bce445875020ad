import * as stages from "../../src/attempt/returns-stage";
import { jsonProblem } from "../../src/attempt/returns-stage";
import { MemoryCatalog, context, fakeServices, nextDoing, promised, taskNode } from "./fakes";

// The stages as tests call them (see `promised`).
const returnsStage = promised(stages.returnsStage);

const node = (returns: { name: string; kind: "json" | "metric" | "object" }[]) => taskNode({ returns });

describe("returnsStage", () => {
  it("turns returned values into json, metric and pickled parameters", async () => {
    const catalog = new MemoryCatalog();
    const ctx = context({ node: node([{ name: "a", kind: "json" }, { name: "m", kind: "metric" }, { name: "d", kind: "object" }]), services: fakeServices({ catalog }) });
    await returnsStage(ctx, nextDoing(() => void (ctx.returned = { a: [1], m: 0.5, d: new Date(0) })));
    expect(ctx.outputs).toEqual({ a: { kind: "json", value: [1] }, m: { kind: "metric", value: 0.5 }, d: { kind: "object", value: "objects/step/d.pickle.json" } });
    expect(ctx.metrics).toEqual({ m: 0.5 });
    expect(catalog.files.has("objects/step/d.pickle.json")).toBe(true);
  });

  it("rejects a missing return and a value JSON cannot carry with E_RETURN_INVALID", async () => {
    const missing = context({ node: node([{ name: "a", kind: "json" }]) });
    await expect(returnsStage(missing, nextDoing())).rejects.toMatchObject({ code: "E_RETURN_INVALID", message: 'the task did not return "a"' });
    const notJson = context({ node: node([{ name: "a", kind: "json" }]) });
    await expect(returnsStage(notJson, nextDoing(() => void (notJson.returned = { a: new Map() })))).rejects.toMatchObject({ code: "E_RETURN_INVALID", message: expect.stringContaining("a Map instance") });
  });

  it("fails a return holding a secret's value with E_SECRET_LEAK naming the return, not the value", async () => {
    for (const value of ["s3cr3t", { nested: ["x", "Bearer s3cr3t"] }, new Map([["k", "s3cr3t"]])]) {
      const ctx = context({ node: node([{ name: "token_out", kind: typeof value === "string" ? "json" : "object" }]) });
      ctx.addSecret("token", "s3cr3t");
      const rejection = Promise.resolve(returnsStage(ctx, nextDoing(() => void (ctx.returned = { token_out: value }))));
      await expect(rejection).rejects.toMatchObject({ code: "E_SECRET_LEAK", message: expect.stringContaining('return "token_out"') });
      await rejection.catch((e: Error) => {
        expect(e.message).toContain('"token"');
        expect(e.message).not.toContain("s3cr3t");
      });
    }
  });

  it("does not convert anything when the task failed", async () => {
    const ctx = context({ node: node([{ name: "a", kind: "json" }]) });
    await expect(returnsStage(ctx, () => Promise.reject(new Error("task failed")))).rejects.toThrow("task failed");
    expect(ctx.outputs).toEqual({});
  });
});

describe("jsonProblem", () => {
  it("names what JSON cannot carry", () => {
    expect(jsonProblem({ a: [1, "x", null] })).toBeUndefined();
    expect(jsonProblem({ a: [undefined] })).toBe("undefined");
    expect(jsonProblem(NaN)).toBe("the number NaN");
    expect(jsonProblem(1n)).toBe("a bigint");
  });
});
