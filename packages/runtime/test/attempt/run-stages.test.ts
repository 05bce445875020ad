import { drive, toPromise } from "../../src/co";
import { runStages, SKIP_TASK, type AttemptContext, type AttemptTask, type Stage } from "../../src/attempt/context";
import { context } from "./fakes";

/** A stage that records its hooks, each waiting on a promise first. */
const recording = (name: string, order: string[], hooks: Partial<Record<keyof Stage, (ctx: AttemptContext) => unknown>> = {}): Stage => ({
  before: async (ctx) => {
    order.push(`${name} before`);
    await Promise.resolve();
    return hooks.before?.(ctx) as undefined;
  },
  after: async (ctx) => {
    order.push(`${name} after`);
    await hooks.after?.(ctx);
  },
  end: async (ctx) => {
    order.push(`${name} end ${ctx.status}`);
    await hooks.end?.(ctx);
  },
});

const run = (ctx: AttemptContext, stages: Stage[], task: AttemptTask): Promise<string> => toPromise(runStages(ctx, stages, task, (c) => `result of a ${c.status} attempt`));

describe("runStages", () => {
  it("runs before hooks outermost first, the task, after hooks innermost first, then every end hook and the result", async () => {
    const order: string[] = [];
    const ctx = context();
    const result = await run(ctx, [recording("a", order), recording("b", order)], async () => (order.push("task"), { out: 1 }));
    expect(order).toEqual(["a before", "b before", "task", "b after", "a after", "b end SUCCESS", "a end SUCCESS"]);
    expect(ctx.returned).toEqual({ out: 1 });
    expect(result).toBe("result of a SUCCESS attempt");
  });

  it.each([
    [undefined, "the task threw undefined (not an Error)"],
    [null, "the task threw null (not an Error)"],
    ["boom", 'the task threw "boom" (not an Error)'],
    [42, "the task threw 42 (not an Error)"],
    [new Error("bad"), "bad"],
    [{ message: "error-like" }, "error-like"],
  ])("turns a throw of %p into a FAIL saying what was thrown", async (thrown, message) => {
    const ctx = context();
    await run(ctx, [], () => Promise.reject(thrown));
    expect(ctx.status).toBe("FAIL");
    expect(ctx.message).toBe(message);
    expect(ctx.log.text()).toContain(`ERROR: ${message}`);
  });

  it("stops at a before hook that throws: no task, no after hook; every end hook still runs", async () => {
    const order: string[] = [];
    const ctx = context();
    const failing = recording("b", order, { before: () => { throw new Error("no secret"); } });
    await run(ctx, [recording("a", order), failing, recording("c", order)], () => (order.push("task"), {}));
    expect(order).toEqual(["a before", "b before", "c end FAIL", "b end FAIL", "a end FAIL"]);
    expect(ctx.message).toBe("no secret");
  });

  it("runs no after hook once the task failed, and an end hook that throws fails the attempt without stopping the others", async () => {
    const order: string[] = [];
    const ctx = context();
    const refusing = recording("b", order, { end: () => Promise.reject(new Error("store down")) });
    await run(ctx, [recording("a", order), refusing], async () => ({}));
    expect(order).toEqual(["a before", "b before", "b after", "a after", "b end SUCCESS", "a end FAIL"]);
    expect(ctx.message).toBe("store down");
    const failed = context();
    order.length = 0;
    await run(failed, [recording("a", order)], () => Promise.reject(new Error("task failed")));
    expect(order).toEqual(["a before", "a end FAIL"]);
  });

  it("lets a before hook stand in for the task (SKIP_TASK): the task and the inner stages are skipped, the outer ones' after hooks run", async () => {
    const order: string[] = [];
    const ctx = context();
    const hit = recording("b", order, { before: () => SKIP_TASK });
    await run(ctx, [recording("a", order), hit, recording("c", order)], () => (order.push("task"), {}));
    expect(order).toEqual(["a before", "b before", "a after", "c end SUCCESS", "b end SUCCESS", "a end SUCCESS"]);
  });

  it("ends SUSPENDED when the task suspended, however it ended, its returns dropped", async () => {
    for (const task of [() => Promise.reject(new Error("suspended")), async () => ({ out: 1 })]) {
      const ctx = context();
      await run(ctx, [], (c) => ((c.suspension = { payload: { ask: "approve?" } }), task()));
      expect(ctx.status).toBe("SUSPENDED");
      expect(ctx.message).toBe("suspended: waiting for runnable resume");
      expect(ctx.returned).toEqual({});
    }
  });

  it("runs synchronously, within the call, when no hook and no task waits", () => {
    const order: string[] = [];
    const sync: Stage = { before: () => void order.push("before"), after: () => void order.push("after"), end: () => void order.push("end") };
    const ctx = context();
    expect(drive(runStages(ctx, [sync, sync], () => ({ out: 1 }), (c) => c.status))).toBe("SUCCESS");
    expect(order).toEqual(["before", "before", "after", "after", "end", "end"]);
  });
});
