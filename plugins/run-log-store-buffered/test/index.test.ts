import { sampleHeader as header, sampleStep } from "@runnable-ts/testing";
import { BufferedRunLogStore } from "../src/index";

const step = (internal: string, step_type = "task") => ({ ...sampleStep(internal), step_type });

describe("BufferedRunLogStore", () => {
  it("assembles steps and branches into the nested run log", async () => {
    const store = new BufferedRunLogStore();
    await store.createRunLog(header("r1"));
    await store.putStepLog("r1", step("first"));
    await store.putStepLog("r1", step("map", "map"));
    await store.putBranchLog("r1", { internal_name: "map.1", status: "SUCCESS", steps: {}, parameters: {} });
    await store.putStepLog("r1", step("map.1.inner"));
    await store.setParameters("r1", { x: { kind: "json", value: 1 } }, "map.1");
    await store.setParameters("r1", { y: { kind: "metric", value: 2 } });
    const log = await store.getRunLog("r1");
    expect(Object.keys(log.steps)).toEqual(["first", "map"]);
    expect(log.steps.map?.branches["map.1"]?.steps["map.1.inner"]?.name).toBe("inner");
    expect(log.steps.map?.branches["map.1"]?.parameters).toEqual({ x: { kind: "json", value: 1 } });
    expect(log.parameters).toEqual({ y: { kind: "metric", value: 2 } });
  });

  it("refuses an existing run id and reports an unknown one", async () => {
    const store = new BufferedRunLogStore();
    await store.createRunLog(header("r1"));
    await expect(store.createRunLog(header("r1"))).rejects.toMatchObject({ code: "E_RUN_EXISTS" });
    await expect(store.getRunLog("nope")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
  });

  it("hands out copies, so callers cannot change what is stored", async () => {
    const store = new BufferedRunLogStore();
    await store.createRunLog(header("r1"));
    const s = step("a");
    await store.putStepLog("r1", s);
    s.status = "FAIL";
    (await store.getStepLog("r1", "a"))!.message = "changed";
    expect(await store.getStepLog("r1", "a")).toMatchObject({ status: "SUCCESS", message: "" });
    await store.updateRunLog("r1", { status: "SUCCESS" });
    expect(await store.listRuns()).toEqual([{ run_id: "r1", status: "SUCCESS", tag: "", dag_hash: "h" }]);
  });
});
