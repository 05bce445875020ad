import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunLogHeader, StepLog } from "@runnable-ts/sdk";
import { ChunkedFsRunLogStore } from "../src/index";

const header = (runId: string): RunLogHeader => ({ run_id: runId, dag_hash: "h", tag: "", status: "PROCESSING", job: null, parameters: {}, run_config: {} });
const step = (internal: string): StepLog => ({ name: internal.split(".").pop()!, internal_name: internal, status: "SUCCESS", step_type: "task", message: "", mock: false, attempts: [], branches: {}, data_catalog: [] });

describe("ChunkedFsRunLogStore", () => {
  it("writes one file per step and branch and assembles them in creation order", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const store = new ChunkedFsRunLogStore(folder);
    await store.createRunLog(header("r"));
    for (const name of ["zeta", "alpha", "par"]) await store.putStepLog("r", step(name));
    await store.putBranchLog("r", { internal_name: "par.b", status: "SUCCESS", steps: {}, parameters: {} });
    await store.putStepLog("r", step("par.b.inner"));
    expect(readdirSync(join(folder, "r")).sort()).toEqual(["BranchLog-par.b.json", "RunLog.json", "StepLog-alpha.json", "StepLog-par.b.inner.json", "StepLog-par.json", "StepLog-zeta.json"]);
    const log = await store.getRunLog("r");
    expect(Object.keys(log.steps)).toEqual(["zeta", "alpha", "par"]);
    expect(Object.keys(log.steps.par!.branches["par.b"]!.steps)).toEqual(["par.b.inner"]);
  });

  it("loses no parameter when many writers update one scope concurrently", async () => {
    const store = new ChunkedFsRunLogStore(mkdtempSync(join(tmpdir(), "chunked-")));
    await store.createRunLog(header("r"));
    await store.putStepLog("r", step("m"));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.putBranchLog("r", { internal_name: `m.${i}`, status: "PROCESSING", steps: {}, parameters: {} })));
    await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => store.setParameters("r", { [`root${i}`]: { kind: "json", value: i } })),
      ...Array.from({ length: 20 }, (_, i) => store.setParameters("r", { [`b${i}`]: { kind: "json", value: i } }, `m.${i}`)),
    ]);
    expect(Object.keys(await store.getParameters("r"))).toHaveLength(50);
    const log = await store.getRunLog("r");
    expect(Object.keys(log.steps.m!.branches)).toHaveLength(20);
    expect(log.steps.m!.branches["m.7"]!.parameters).toEqual({ b7: { kind: "json", value: 7 } });
  });

  it("refuses an existing run id and an unknown one", async () => {
    const store = new ChunkedFsRunLogStore(mkdtempSync(join(tmpdir(), "chunked-")));
    await store.createRunLog(header("r"));
    await expect(store.createRunLog(header("r"))).rejects.toMatchObject({ code: "E_RUN_EXISTS" });
    await expect(store.getRunLog("x")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
    expect(await store.listRuns()).toEqual([{ run_id: "r", status: "PROCESSING", tag: "", dag_hash: "h" }]);
  });
});
