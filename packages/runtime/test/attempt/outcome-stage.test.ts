import * as stages from "../../src/attempt/outcome-stage";
import { MemoryCatalog, context, fakeServices, nextDoing, promised, request, taskNode } from "./fakes";
import { AttemptContext } from "../../src/attempt/context";

// The stages as tests call them (see `promised`).
const executionLogStage = promised(stages.executionLogStage);
const eventsStage = promised(stages.eventsStage);
const publishStage = promised(stages.publishStage);

describe("publishStage", () => {
  const returning = taskNode({ returns: [{ name: "a", kind: "json" }] });

  it("stores the outputs of a successful attempt only", async () => {
    const req = request({ node: returning });
    const ok = new AttemptContext(req, "");
    await publishStage(ok, nextDoing(() => {
      ok.status = "SUCCESS";
      ok.outputs = { a: { kind: "json", value: 1 } };
    }));
    const failed = new AttemptContext(req, "");
    await publishStage(failed, nextDoing(() => void (failed.outputs = { b: { kind: "json", value: 2 } })));
    expect(req.stored).toEqual([{ a: { kind: "json", value: 1 } }]);
  });

  it("fails the attempt when the store refuses the outputs", async () => {
    const ctx = context({ node: returning, setParameters: () => Promise.reject(new Error("store down")) });
    await publishStage(ctx, nextDoing(() => {
      ctx.status = "SUCCESS";
      ctx.outputs = { a: { kind: "json", value: 1 } };
    }));
    expect(ctx.status).toBe("FAIL");
    expect(ctx.message).toBe("storing the returns: store down");
    expect(ctx.outputs).toEqual({});
  });
});

describe("eventsStage", () => {
  it("emits task_completed with masked outputs, or task_error, only when observed", async () => {
    const events: Record<string, unknown>[] = [];
    const ok = context({ services: fakeServices({ events }) });
    ok.addSecret("token", "s3cr3t");
    await eventsStage(ok, nextDoing(() => {
      ok.status = "SUCCESS";
      ok.outputs = { a: { kind: "json", value: "has s3cr3t" } };
    }));
    const failed = context({ services: fakeServices({ events }) });
    await eventsStage(failed, nextDoing(() => failed.fail(new Error("nope"))));
    expect(events).toEqual([
      { type: "task_completed", step: "step", attempt: 1, outputs: '{"a":"has ***"}' },
      { type: "task_error", step: "step", attempt: 1, error: "nope" },
    ]);
  });
});

describe("executionLogStage", () => {
  it("stores what was written as <step>.attempt<n>.execution.log, and nothing for a silent task", async () => {
    const catalog = new MemoryCatalog();
    const talky = context({ services: fakeServices({ catalog }), attemptNumber: 2 });
    talky.log.setParametersHeader({ x: 1 });
    await executionLogStage(talky, nextDoing(() => talky.log.write("hello")));
    const silent = context({ services: fakeServices({ catalog }), internalName: "quiet" });
    await executionLogStage(silent, nextDoing());
    expect([...catalog.files.keys()]).toEqual(["step.attempt2.execution.log"]);
    expect(catalog.files.get("step.attempt2.execution.log")!.toString()).toBe("Parameters available for the execution: x\nhello");
  });

  it("does not change the outcome when the log cannot be stored", async () => {
    const catalog = new MemoryCatalog();
    catalog.putBytes = () => Promise.reject(new Error("catalog down"));
    const ctx = context({ services: fakeServices({ catalog }) });
    await executionLogStage(ctx, nextDoing(() => {
      ctx.status = "SUCCESS";
      ctx.log.write("x");
    }));
    expect(ctx.status).toBe("SUCCESS");
  });
});
