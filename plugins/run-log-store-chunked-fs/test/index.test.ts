import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
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

  it("leaves nothing scheduled once closed: no end-of-turn flush keeps the closed store (and its run logs) alive", async () => {
    const immediates = (): number => process.getActiveResourcesInfo().filter((r) => r === "Immediate").length;
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const store = new ChunkedFsRunLogStore(folder);
    await store.createRunLog(header("r"));
    await new Promise((r) => setImmediate(r));
    const before = immediates();
    // Written and closed within one turn of the event loop, as a run of synchronous tasks ends.
    await store.putStepLog("r", step("last"));
    expect(immediates()).toBe(before + 1);
    await store.close();
    expect(immediates()).toBe(before);
    expect((await new ChunkedFsRunLogStore(folder).getRunLog("r")).steps.last).toBeDefined();
  });

  it("hands a full batch to the journal while a run never yields to the event loop (sync steps), not only at its end", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const store = new ChunkedFsRunLogStore(folder);
    await store.createRunLog(header("r"));
    await store.flush();
    const journal = (): string => readdirSync(join(folder, "r")).map((f) => readFileSync(join(folder, "r", f), "utf8")).join("");
    const before = journal().length;
    // 3,000 steps written in one turn of the event loop (awaits of settled promises only).
    for (let i = 0; i < 3000; i++) await store.putStepLog("r", step(`s${i}`));
    const during = journal();
    expect(during.length).toBeGreaterThan(before);
    expect(during).toContain('"internal_name":"s1000"');
    await store.flush();
    expect(Object.keys((await store.getRunLog("r")).steps)).toHaveLength(3000);
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
    await expect(new ChunkedFsRunLogStore(folder).getRunLog("r")).rejects.toMatchObject({ code: "E_RUN_LOG_CORRUPT", context: { file: journal, line: 1 } });
  });

  it("reports a journal that cannot be read as E_RUN_LOG_CORRUPT naming it, not E_RUN_NOT_FOUND", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chunked-"));
    const store = new ChunkedFsRunLogStore(folder);
    await store.createRunLog(header("r"));
    await store.close();
    const bad = join(folder, "r", "journal-1-deadbeef.jsonl");
    mkdirSync(bad);
    await expect(new ChunkedFsRunLogStore(folder).getRunLog("r")).rejects.toMatchObject({ code: "E_RUN_LOG_CORRUPT", context: { file: bad, plugin: "chunked-fs" } });
  });

  it("refuses an existing run id and an unknown one", async () => {
    const store = new ChunkedFsRunLogStore(mkdtempSync(join(tmpdir(), "chunked-")));
    await store.createRunLog(header("r"));
    await expect(store.createRunLog(header("r"))).rejects.toMatchObject({ code: "E_RUN_EXISTS" });
    await expect(store.getRunLog("x")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
    expect(await store.listRuns()).toEqual([{ run_id: "r", status: "PROCESSING", tag: "", dag_hash: "h" }]);
  });

  // Issue 9 item 1: every 500th step of a 5,000-step chain stayed PROCESSING. Each step writes
  // two records (PROCESSING, then SUCCESS); the sequence number was `ms * 1000 + counter % 1000`,
  // so the 1,000th record of a millisecond wrapped below the 999th and the later SUCCESS lost to
  // the earlier PROCESSING. Sizes around every boundary (the old wrap, event-loop batches) and
  // random ones, written in tight loops and across turns, must all read back as written.
  it.each([1, 2, 499, 500, 501, 999, 1000, 1001, 1499, 1500, 2000, 2001, 5000, 1 + Math.floor(Math.random() * 3000)])(
    "loses nothing: %i steps written PROCESSING then SUCCESS read back SUCCESS, with their attempts",
    async (n) => {
      const folder = mkdtempSync(join(tmpdir(), "chunked-"));
      const store = new ChunkedFsRunLogStore(folder);
      await store.createRunLog(header("r"));
      const yieldEvery = 1 + (n % 7) * 37;
      for (let i = 0; i < n; i++) {
        await store.putStepLog("r", { ...step(`s${i}`), status: "PROCESSING" });
        await store.putStepLog("r", { ...step(`s${i}`), attempts: [{ attempt_number: 1, start_time: "", end_time: "", status: "SUCCESS", message: "", input_parameters: {}, output_parameters: {}, user_defined_metrics: {}, retry_indicator: "", code_identities: [] }] });
        if (i % yieldEvery === 0) await new Promise((r) => setImmediate(r));
      }
      await store.updateRunLog("r", { status: "SUCCESS" });
      await store.close();
      for (const reader of [store, new ChunkedFsRunLogStore(folder)]) {
        const log = await reader.getRunLog("r");
        const steps = Object.values(log.steps);
        expect(steps).toHaveLength(n);
        expect(steps.filter((s) => s.status !== "SUCCESS" || s.attempts.length !== 1).map((s) => s.name)).toEqual([]);
        expect(steps.map((s) => s.name)).toEqual(Array.from({ length: n }, (_, i) => `s${i}`));
        expect(log.status).toBe("SUCCESS");
      }
    },
  );
});
