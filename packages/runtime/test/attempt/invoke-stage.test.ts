import { RunnableError, type TaskInvocation } from "@runnable-ts/sdk";
import type { AttemptContext } from "../../src/attempt/context";
import { invokeTask, TimeoutError } from "../../src/attempt/invoke-stage";
import { promiseOf } from "../../src/co";
import { context, fakeServices, taskNode } from "./fakes";

/** The task's call as a promise of what it returned (a throw within the call becomes a rejection). */
const invoke = (ctx: AttemptContext): Promise<Record<string, unknown> | undefined> => promiseOf(() => invokeTask(ctx));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("invokeTask", () => {
  it("calls the task type with the parameters object and resolves to its returns", async () => {
    let seen: TaskInvocation | undefined;
    const ctx = context({ execute: async (inv) => ((seen = inv), { out: 1 }) });
    ctx.params = { a: 1, b: 2 };
    ctx.available = { a: { kind: "json", value: 1 }, b: { kind: "json", value: 2 } };
    expect(await invoke(ctx)).toEqual({ out: 1 });
    expect(seen?.params.a).toBe(1);
    expect([...ctx.used]).toEqual(["a"]);
    void seen?.parameters;
    expect([...ctx.used].sort()).toEqual(["a", "b"]);
  });

  it("records the same inputs whether or not anyone observes events (the preview does not count as a read)", async () => {
    const used = async (observed: boolean): Promise<string[]> => {
      const events: unknown[] = [];
      const ctx = context({ services: fakeServices(observed ? { events } : {}), execute: async (inv) => ({ x: inv.params.a }) });
      ctx.params = { a: 1, big: Array.from({ length: 10_000 }, (_, i) => i) };
      await invoke(ctx);
      if (observed) expect(events[0]).toMatchObject({ type: "task_started", inputs: expect.stringMatching(/^\{"a":1,"big":\[0,1,2/) });
      return [...ctx.used];
    };
    expect(await used(true)).toEqual(await used(false));
    expect(await used(true)).toEqual(["a"]);
  });

  it("fails an attempt that runs past timeout_ms with E_TIMEOUT and aborts the task's signal", async () => {
    let signal: AbortSignal | undefined;
    const ctx = context({ node: taskNode({ timeout_ms: 30 }), execute: async (inv) => ((signal = inv.signal), await sleep(2000), {}) });
    const started = Date.now();
    await expect(invoke(ctx)).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as RunnableError).code).toBe("E_TIMEOUT");
  });

  it("fails with E_CANCELLED when the run is cancelled while the task runs", async () => {
    const controller = new AbortController();
    const ctx = context({ services: fakeServices({ signal: controller.signal }), execute: async () => (await sleep(2000), {}) });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(invoke(ctx)).rejects.toMatchObject({ code: "E_CANCELLED", message: "cancelled: stop" });
  });

  it("passes any thrown value through as thrown (undefined included)", async () => {
    const ctx = context({ execute: () => Promise.reject(undefined) });
    let caught: unknown = "nothing";
    await invoke(ctx).catch((e: unknown) => (caught = e));
    expect(caught).toBeUndefined();
    // A plain function's throw, thrown within the call, comes out of the call the same way.
    const sync = context({ concurrent: "off", execute: () => { throw null; } });
    await expect(invoke(sync)).rejects.toBeNull();
  });

  it("captures what the task prints into its own log, across awaits, while the caller's console stays its own", async () => {
    const a = context({ internalName: "a", execute: async () => { console.log("a1"); await sleep(5); console.log("a2"); return {}; } });
    const b = context({ internalName: "b", execute: async () => { await sleep(1); console.log("b1"); await sleep(5); console.log("b2"); return {}; } });
    const both = Promise.all([invoke(a), invoke(b)]);
    await sleep(3);
    console.log("host line (not a task's)");
    await both;
    expect(a.log.text()).toBe("a1\na2");
    expect(b.log.text()).toBe("b1\nb2");
  });

  it("masks secrets in events the task emits, and delivers them outside the task's console capture", async () => {
    const events: Record<string, unknown>[] = [];
    const services = fakeServices({ events });
    const ctx = context({
      services: { ...services, emitFrom: (step, e) => void (console.log(`listener saw ${e.type}`), events.push({ ...e, step })) },
      execute: async (inv) => (await inv.emit({ type: "progress", note: "token=s3cr3t", deep: { list: ["s3cr3t"] } }), {}),
    });
    ctx.addSecret("token", "s3cr3t");
    const spy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await invoke(ctx);
    } finally {
      spy.mockRestore();
    }
    expect(events.find((e) => e.type === "progress")).toEqual({ type: "progress", step: "step", note: "token=***", deep: { list: ["***"] } });
    expect(ctx.log.text()).not.toContain("listener saw");
  });
});
