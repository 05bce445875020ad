import { z } from "@runnable-ts/sdk";
import * as stages from "../../src/attempt/input-stage";
import { context, nextDoing, promised, taskNode } from "./fakes";

// The stages as tests call them (see `promised`).
const inputStage = promised(stages.inputStage);

describe("inputStage", () => {
  it("hands the task the schema's coerced and defaulted values", async () => {
    const ctx = context({ node: taskNode({ input: z.object({ n: z.coerce.number(), flag: z.boolean().default(true) }) }) });
    ctx.values = { n: "42", other: "x" };
    await inputStage(ctx, nextDoing());
    expect(ctx.params).toEqual({ n: 42, flag: true, other: "x" });
    expect(ctx.used.has("n")).toBe(true);
  });

  it("rejects with E_INPUT_INVALID naming the parameter, without calling the task", async () => {
    const ctx = context({ node: taskNode({ input: z.object({ n: z.number() }) }) });
    ctx.values = { n: "not a number" };
    const next = nextDoing();
    await expect(inputStage(ctx, next)).rejects.toMatchObject({ code: "E_INPUT_INVALID", message: expect.stringContaining('invalid parameter "n"') });
    expect(next.calls).toBe(0);
  });
});
