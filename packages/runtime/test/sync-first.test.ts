import { createHook } from "node:async_hooks";
import { AsyncFunctionTask, FunctionTask, MapStep, Pipeline } from "@runnable-ts/sdk";
import { run, workdir } from "./support";

/** Promises created while `work` runs (async_hooks counts every one the process makes). */
async function promisesDuring(work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const hook = createHook({ init: (_id, type) => void (type === "PROMISE" && count++) });
  hook.enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return count;
}

const ITEMS = 500;

function map(work: Pipeline["steps"][number]): Pipeline {
  return new Pipeline({
    steps: [
      new FunctionTask({ name: "load", fn: () => Array.from({ length: ITEMS }, (_, i) => i), returns: ["items"] }),
      new MapStep({ name: "m", iterateOn: "items", iterateAs: "item", branch: new Pipeline({ steps: [work] }) }),
    ],
  });
}

describe("sync first (co.ts): a step that has nothing to wait for spends no promise", () => {
  it.each(["buffered", "chunked-fs"])("runs a map of plain functions on the %s store with far fewer promises than iterations", async (store) => {
    const w = workdir(`run-log-store: { type: ${store} }\ncatalog: { type: file-system }\n`);
    const pipeline = map(new FunctionTask({ name: "double", fn: ({ item }: { item: number }) => item * 2, returns: ["doubled"] }));
    // The first run loads plugins (promises of its own); the second is what a run costs.
    await run(pipeline, w);
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const promises = await promisesDuring(async () => (result = await run(pipeline, w)));
    expect(result?.status).toBe("SUCCESS");
    expect(result?.runLog.parameters.doubled?.value).toHaveLength(ITEMS);
    // A run's own start and end take some; the iterations none (46 each before the coroutines).
    expect(promises).toBeLessThan(ITEMS / 2);
  });

  it("spends a few promises per iteration of an async function, not one per layer it passes", async () => {
    const w = workdir("pipeline-executor: { type: async-local, config: { max_concurrency: 50 } }\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n");
    const pipeline = map(new AsyncFunctionTask({ name: "double", fn: async ({ item }: { item: number }) => item * 2, returns: ["doubled"] }));
    await run(pipeline, w);
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const promises = await promisesDuring(async () => (result = await run(pipeline, w)));
    expect(result?.status).toBe("SUCCESS");
    // About 9 per iteration now (the task's own, the race with the run's signal, one suspension); 50 before.
    expect(promises / ITEMS).toBeLessThan(15);
  });
});
