import { appendFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleHeader as header, sampleStep as step } from "@runnable-ts/testing";
import { ChunkedFsRunLogStore } from "../src/index";


describe("ChunkedFsRunLogStore", () => {
  it("appends to one journal per writer and assembles steps and branches in creation order", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const store = new ChunkedFsRunLogStore(folder);
    await store.createRunLog(header("r"));
    for (const name of ["zeta", "alpha", "par"]) await store.putStepLog("r", step(name));
    await store.putBranchLog("r", { internal_name: "par.b", status: "SUCCESS", steps: {}, parameters: {} });
    await store.putStepLog("r", step("par.b.inner"));
    await store.flush();
    expect(readdirSync(join(folder, "r"))).toEqual([expect.stringMatching(/^journal-\d+-[0-9a-f]{8}\.jsonl$/)]);
    const log = await store.getRunLog("r");
    expect(Object.keys(log.steps)).toEqual(["zeta", "alpha", "par"]);
    expect(Object.keys(log.steps.par!.branches["par.b"]!.steps)).toEqual(["par.b.inner"]);
  });

  it("merges journals written by several writers (processes) into one run log", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const parent = new ChunkedFsRunLogStore(folder);
    await parent.createRunLog(header("r"));
    await parent.putStepLog("r", step("par"));
    await parent.putBranchLog("r", { internal_name: "par.a", status: "PROCESSING", steps: {}, parameters: {} });
    await parent.putBranchLog("r", { internal_name: "par.b", status: "PROCESSING", steps: {}, parameters: {} });
    await parent.flush();
    const childA = new ChunkedFsRunLogStore(folder);
    const childB = new ChunkedFsRunLogStore(folder);
    await childA.putStepLog("r", step("par.a.x"));
    await childB.putStepLog("r", step("par.b.y"));
    await childA.setParameters("r", { fromA: { kind: "json", value: 1 } }, "par.a");
    await childB.setParameters("r", { fromB: { kind: "json", value: 2 } }, "par.b");
    await Promise.all([parent.flush(), childA.flush(), childB.flush()]);
    expect(readdirSync(join(folder, "r"))).toHaveLength(3);
    const log = await parent.getRunLog("r");
    expect(Object.keys(log.steps.par!.branches["par.a"]!.steps)).toEqual(["par.a.x"]);
    expect(log.steps.par!.branches["par.b"]!.parameters).toEqual({ fromB: { kind: "json", value: 2 } });
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

  it("sees what another store instance (another process) appended, after a refresh", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const writer = new ChunkedFsRunLogStore(folder);
    const reader = new ChunkedFsRunLogStore(folder);
    await writer.createRunLog(header("r"));
    expect(await reader.getParameters("r")).toEqual({});
    await writer.setParameters("r", { a: { kind: "json", value: 1 } });
    await writer.putStepLog("r", step("s1"));
    expect(await reader.getParameters("r")).toEqual({});
    await writer.flush();
    await reader.refresh("r");
    expect(await reader.getParameters("r")).toEqual({ a: { kind: "json", value: 1 } });
    expect((await reader.getStepLog("r", "s1"))?.status).toBe("SUCCESS");
  });

  it("ignores a last line cut short by a crash, and reports corruption elsewhere", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const store = new ChunkedFsRunLogStore(folder);
    await store.createRunLog(header("r"));
    await store.putStepLog("r", step("s1"));
    await store.close();
    const journal = join(folder, "r", readdirSync(join(folder, "r"))[0]!);
    appendFileSync(journal, '{"t":"step","s":1,"log":{"name":"s2","inter');
    const resumed = new ChunkedFsRunLogStore(folder);
    expect(Object.keys((await resumed.getRunLog("r")).steps)).toEqual(["s1"]);
    // A retry writes its own journal: nothing is ever appended after the torn line.
    await resumed.putStepLog("r", step("s3"));
    await resumed.close();
    expect(Object.keys((await new ChunkedFsRunLogStore(folder).getRunLog("r")).steps)).toEqual(["s1", "s3"]);
    writeFileSync(journal, `not json\n${readFileSync(journal, "utf8")}`);
    await expect(new ChunkedFsRunLogStore(folder).getRunLog("r")).rejects.toThrow(/is corrupt/);
  });

  it("refuses an existing run id and an unknown one", async () => {
    const store = new ChunkedFsRunLogStore(mkdtempSync(join(tmpdir(), "chunked-")));
    await store.createRunLog(header("r"));
    await expect(store.createRunLog(header("r"))).rejects.toMatchObject({ code: "E_RUN_EXISTS" });
    await expect(store.getRunLog("x")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
    expect(await store.listRuns()).toEqual([{ run_id: "r", status: "PROCESSING", tag: "", dag_hash: "h" }]);
  });
});
