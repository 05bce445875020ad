import { definePlugin, describePluginShapeProblem, isRunnableError, RunnableError, z } from "../src/index";

describe("definePlugin", () => {
  it("returns a frozen definition that passes the shape check", () => {
    const plugin = definePlugin({ kind: "catalog", name: "x", configSchema: z.object({ a: z.string() }), create: () => ({}) as never });
    expect(Object.isFrozen(plugin)).toBe(true);
    expect(describePluginShapeProblem(plugin)).toBeUndefined();
  });

  it("rejects an unknown kind and a missing create", () => {
    expect(() => definePlugin({ kind: "widget" as "catalog", name: "x", create: () => ({}) as never })).toThrow(/unknown kind "widget"/);
    expect(() => definePlugin({ kind: "catalog", name: "x" } as never)).toThrow(/create must be a function/);
  });

  it.each([
    [null, /is null/],
    [{ kind: "nope", create() {} }, /no valid "kind"/],
    [{ kind: "catalog" }, /no "create" function/],
    [{ kind: "catalog", create() {}, configSchema: {} }, /not a zod schema/],
  ])("describes what is wrong with %p", (value, problem) => {
    expect(describePluginShapeProblem(value)).toMatch(problem);
  });
});

describe("RunnableError", () => {
  it("is recognised across copies of the SDK by its brand, with code, context and cause", () => {
    const cause = new Error("root");
    const error = new RunnableError("E_CONFIG_INVALID", "bad", { file: "f" }, { cause });
    expect(isRunnableError(error)).toBe(true);
    expect(isRunnableError(new Error("plain"))).toBe(false);
    expect(isRunnableError({ code: "E_CONFIG_INVALID" })).toBe(false);
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", context: { file: "f" }, cause });
  });
});
