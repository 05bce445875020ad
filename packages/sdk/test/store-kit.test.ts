import { RunnableError } from "../src/errors";
import { guardCatalog, guardRunLogStore, mapLimit } from "../src/store-kit";
import type { CatalogService, RunLogStore } from "../src/contracts";

describe("guardRunLogStore / guardCatalog", () => {
  it("wraps a plugin's plain failure as E_STORE naming the plugin and the operation", async () => {
    const store = { supportsConcurrentWriters: false, getRunLog: async () => { throw new Error("disk on fire"); } } as unknown as RunLogStore;
    await expect(guardRunLogStore("acme", store).getRunLog("r")).rejects.toMatchObject({
      code: "E_STORE",
      message: expect.stringContaining('run-log store "acme": getRunLog failed: disk on fire'),
      context: { plugin: "acme", operation: "getRunLog" },
    });
  });

  it("keeps a plugin's coded error, adding the plugin and the operation to its context", async () => {
    const store = { supportsConcurrentWriters: true, exists: () => { throw new RunnableError("E_RUN_NOT_FOUND", "nope"); } } as unknown as RunLogStore;
    const guarded = guardRunLogStore("acme", store);
    expect(guarded.supportsConcurrentWriters).toBe(true);
    expect(guarded.refresh).toBeUndefined();
    await expect(guarded.exists("r")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND", context: { plugin: "acme", operation: "exists" } });
  });

  it("wraps catalog failures as E_CATALOG", async () => {
    const catalog = { get: async () => { throw new TypeError("bad"); } } as unknown as CatalogService;
    await expect(guardCatalog("cat", catalog).get({ runId: "r", patterns: [], cwd: "/" })).rejects.toMatchObject({ code: "E_CATALOG", context: { plugin: "cat", operation: "get" } });
  });
});

describe("mapLimit", () => {
  it("keeps input order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
