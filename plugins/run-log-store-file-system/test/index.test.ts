import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleHeader as header, sampleStep as step } from "@runnable-ts/testing";
import { FileSystemRunLogStore } from "../src/index";


describe("FileSystemRunLogStore", () => {
  it("keeps one nested JSON document per run, branches inside their step", async () => {
    const folder = mkdtempSync(join(tmpdir(), "fs-store-"));
    const store = new FileSystemRunLogStore(folder);
    await store.createRunLog(header("r"));
    await store.putStepLog("r", step("par"));
    await store.putBranchLog("r", { internal_name: "par.b", status: "SUCCESS", steps: {}, parameters: { p: { kind: "json", value: 1 } } });
    await store.putStepLog("r", step("par.b.inner"));
    await store.putStepLog("r", { ...step("par"), status: "FAIL" });
    expect(readdirSync(folder)).toEqual(["r.json"]);
    const doc = JSON.parse(readFileSync(join(folder, "r.json"), "utf8"));
    expect(doc.steps.par.status).toBe("FAIL");
    expect(doc.steps.par.branches["par.b"].steps["par.b.inner"].name).toBe("inner");
    expect(await store.getParameters("r", "par.b")).toEqual({ p: { kind: "json", value: 1 } });
  });

  it("loses no write when writers run concurrently in one process", async () => {
    const store = new FileSystemRunLogStore(mkdtempSync(join(tmpdir(), "fs-store-")));
    await store.createRunLog(header("r"));
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.putStepLog("r", step(`s${i}`))));
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.setParameters("r", { [`p${i}`]: { kind: "json", value: i } })));
    const log = await store.getRunLog("r");
    expect(Object.keys(log.steps)).toHaveLength(30);
    expect(Object.keys(log.parameters)).toHaveLength(30);
  });
});

describe("FileSystemRunLogStore with a damaged file", () => {
  it("reports a run log that is not JSON, or not a run log, as E_RUN_LOG_CORRUPT naming the file (not E_RUN_NOT_FOUND)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "fs-store-"));
    const store = new FileSystemRunLogStore(folder);
    writeFileSync(join(folder, "bad.json"), "{ truncated");
    await expect(store.getRunLog("bad")).rejects.toMatchObject({ code: "E_RUN_LOG_CORRUPT", context: { file: join(folder, "bad.json") } });
    writeFileSync(join(folder, "wrong.json"), JSON.stringify({ run_id: "wrong" }));
    await expect(store.getRunLog("wrong")).rejects.toMatchObject({ code: "E_RUN_LOG_CORRUPT" });
    await expect(store.getRunLog("absent")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
  });
});
