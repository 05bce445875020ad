import * as stages from "../../src/attempt/catalog-stage";
import type { AttemptContext } from "../../src/attempt/context";
import { MemoryCatalog, context, fakeServices, nextDoing, promised, taskNode } from "./fakes";

// The stages as tests call them (see `promised`).
const catalogGetStage = promised(stages.catalogGetStage);
const catalogPutStage = promised(stages.catalogPutStage);

const withCatalog = (catalog: MemoryCatalog, spec = { get: ["in.txt"], put: ["out.txt"], store_copy: true }): AttemptContext =>
  context({ node: taskNode({ catalog: spec }), services: fakeServices({ catalog }) });

describe("catalogGetStage", () => {
  it("gets the listed files before the task and records them", async () => {
    const catalog = new MemoryCatalog();
    const ctx = withCatalog(catalog);
    const next = nextDoing(() => void catalog.calls.push("task"));
    await catalogGetStage(ctx, next);
    expect(catalog.calls).toEqual(["get", "task"]);
    expect(ctx.getEntries.map((e) => e.name)).toEqual(["in.txt"]);
  });

  it("touches no catalog for a task without get patterns", async () => {
    const catalog = new MemoryCatalog();
    await catalogGetStage(context({ services: fakeServices({ catalog }) }), nextDoing());
    expect(catalog.calls).toEqual([]);
  });
});

describe("catalogPutStage", () => {
  it("puts after the task; after a failure patterns may match nothing", async () => {
    const catalog = new MemoryCatalog();
    const ok = withCatalog(catalog);
    await catalogPutStage(ok, nextDoing(() => void (ok.status = "SUCCESS")));
    const failed = withCatalog(catalog);
    await catalogPutStage(failed, nextDoing());
    expect(catalog.calls).toEqual(["put allowMissing=false", "put allowMissing=true"]);
    expect(ok.putEntries.map((e) => e.name)).toEqual(["out.txt"]);
  });

  it("fails a successful attempt whose put fails, naming the catalog put", async () => {
    const catalog = new MemoryCatalog();
    catalog.put = () => Promise.reject(new Error("disk full"));
    const ctx = withCatalog(catalog);
    await catalogPutStage(ctx, nextDoing(() => void (ctx.status = "SUCCESS")));
    expect(ctx.status).toBe("FAIL");
    expect(ctx.message).toBe("catalog put: disk full");
  });
});
