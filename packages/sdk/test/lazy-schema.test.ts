import { z } from "zod";
import { lazySchema } from "../src/lazy-schema";
import { CodeIdentitySchema, RunLogSchema } from "../src/run-log";

describe("lazySchema", () => {
  it("builds the schema on first use only, once, and behaves as the schema it built", () => {
    let builds = 0;
    const Point = lazySchema(() => {
      builds++;
      return z.object({ x: z.number(), y: z.number().default(0) });
    });
    expect(builds).toBe(0);
    expect(Point.parse({ x: 1 })).toEqual({ x: 1, y: 0 });
    expect(Point.safeParse({ x: "no" }).success).toBe(false);
    expect(Object.keys(Point.shape)).toEqual(["x", "y"]);
    expect(Point instanceof z.ZodObject).toBe(true);
    // Inside other schemas, as a module's schemas are composed.
    expect(z.array(Point).parse([{ x: 2 }])).toEqual([{ x: 2, y: 0 }]);
    expect(Point.optional().parse(undefined)).toBeUndefined();
    expect(z.object({ at: Point }).strict().safeParse({ at: { x: 1 }, extra: 1 }).success).toBe(false);
    expect(builds).toBe(1);
  });

  it("keeps the run-log schemas' behaviour (unknown keys kept where loose, rejected values reported)", () => {
    const identity = { code_identifier: "c", code_identifier_type: "git", code_identifier_dependable: true, code_identifier_url: "", code_identifier_message: "", extra: 1 };
    expect(CodeIdentitySchema.parse(identity)).toEqual(identity);
    const result = RunLogSchema.safeParse({ run_id: "r", dag_hash: null, tag: "", status: "NOPE", steps: {}, job: null, parameters: {}, run_config: {} });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["status"]);
  });
});
