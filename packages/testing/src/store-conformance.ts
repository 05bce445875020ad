import type { BranchLog, RunLogStore, StepAttempt, StepLog } from "@runnable-ts/sdk";
import { sampleHeader, sampleStep } from "./run-log-samples";

/** How the run-log store conformance suite gets stores of the plugin under test. */
export interface StoreConformanceOptions {
  /** A store on a fresh, empty location. Called once per test. */
  create(): Promise<RunLogStore> | RunLogStore;
  /**
   * Another instance on the same location as the last `create()` (another process, a retry
   * after a crash). Omit for stores that keep nothing (in memory).
   */
  reopen?(): Promise<RunLogStore> | RunLogStore;
  /** True when a writer that stops without `close` (kill -9) leaves everything it flushed readable. */
  crashTolerant?: boolean;
  /** Steps written by the "nothing lost" test (default 1001: past a 500-step and a 1000-record boundary). */
  steps?: number;
}

const attempt = (status: "SUCCESS" | "FAIL"): StepAttempt => ({
  attempt_number: 1,
  start_time: "2024-01-01T00:00:00.000Z",
  end_time: "2024-01-01T00:00:01.000Z",
  status,
  message: "",
  input_parameters: { x: { kind: "json", value: 1 } },
  output_parameters: {},
  user_defined_metrics: {},
  retry_indicator: "",
  code_identities: [],
});

const branch = (name: string, status: BranchLog["status"] = "PROCESSING"): BranchLog => ({ internal_name: name, status, steps: {}, parameters: {} });
const processing = (name: string): StepLog => ({ ...sampleStep(name), status: "PROCESSING" });

async function settle(store: RunLogStore): Promise<void> {
  await store.flush?.();
  await store.close?.();
}

/**
 * Declares a jest `describe` block that checks a run-log store plugin against the contract every
 * store of runnable-ts meets (create, step and branch logs, parameters, attempts, concurrent
 * writers, crash tolerance where claimed, listing, unknown and taken run ids). Call it from a
 * jest test file of your plugin:
 *
 * @example
 * describeRunLogStoreConformance("my-store", { create: () => new MyStore(freshDir()), reopen: () => new MyStore(lastDir) });
 */
export function describeRunLogStoreConformance(name: string, options: StoreConformanceOptions): void {
  describe(`run-log store conformance: ${name}`, () => {
    it("creates a run whose header reads back, and refuses the same run id again (E_RUN_EXISTS)", async () => {
      const store = await options.create();
      await store.createRunLog({ ...sampleHeader("r1"), tag: "t", parameters: { p: { kind: "json", value: [1, 2] } }, run_config: { a: 1 } });
      const log = await store.getRunLog("r1");
      expect(log).toMatchObject({ run_id: "r1", status: "PROCESSING", tag: "t", dag_hash: "h", parameters: { p: { kind: "json", value: [1, 2] } }, run_config: { a: 1 }, steps: {} });
      expect(await store.exists("r1")).toBe(true);
      await expect(store.createRunLog(sampleHeader("r1"))).rejects.toMatchObject({ code: "E_RUN_EXISTS" });
      await settle(store);
    });

    it("rejects an unknown run id with E_RUN_NOT_FOUND and says it does not exist", async () => {
      const store = await options.create();
      expect(await store.exists("nope")).toBe(false);
      await expect(store.getRunLog("nope")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
      await expect(store.getParameters("nope")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
      await settle(store);
    });

    it("nests branches in their step and steps in their branch, in the order first written; the last write of a step wins", async () => {
      const store = await options.create();
      await store.createRunLog(sampleHeader("r"));
      for (const s of ["zeta", "alpha", "par"]) await store.putStepLog("r", processing(s));
      await store.putBranchLog("r", branch("par.b"));
      await store.putBranchLog("r", branch("par.a"));
      await store.putStepLog("r", { ...sampleStep("par.b.inner"), attempts: [attempt("FAIL")], status: "FAIL", message: "boom" });
      await store.putStepLog("r", { ...sampleStep("alpha"), attempts: [attempt("SUCCESS")] });
      await store.putBranchLog("r", branch("par.b", "FAIL"));
      await store.updateRunLog("r", { status: "FAIL", run_config: { b: 2 } });
      const log = await store.getRunLog("r");
      expect(Object.keys(log.steps)).toEqual(["zeta", "alpha", "par"]);
      expect(log.steps.alpha).toMatchObject({ status: "SUCCESS", attempts: [{ status: "SUCCESS", input_parameters: { x: { kind: "json", value: 1 } } }] });
      expect(Object.keys(log.steps.par!.branches)).toEqual(["par.b", "par.a"]);
      expect(log.steps.par!.branches["par.b"]).toMatchObject({ status: "FAIL", steps: { "par.b.inner": { status: "FAIL", message: "boom" } } });
      expect(log).toMatchObject({ status: "FAIL", run_config: { b: 2 } });
      expect(await store.getStepLog("r", "par.b.inner")).toMatchObject({ status: "FAIL", branches: {} });
      expect(await store.getStepLog("r", "missing")).toBeUndefined();
      expect(await store.getBranchLog("r", "par.a")).toMatchObject({ internal_name: "par.a", steps: {} });
      await settle(store);
    });

    it("merges parameters into the root and into branches, and refuses a branch that does not exist", async () => {
      const store = await options.create();
      await store.createRunLog({ ...sampleHeader("r"), parameters: { a: { kind: "json", value: 1 } } });
      await store.putStepLog("r", sampleStep("m"));
      await store.putBranchLog("r", { ...branch("m.0"), parameters: { i: { kind: "json", value: 0 } } });
      await store.setParameters("r", { b: { kind: "metric", value: 2 } });
      await store.setParameters("r", { a: { kind: "json", value: "changed" } });
      await store.setParameters("r", { out: { kind: "object", value: "out.pickle" } }, "m.0");
      expect(await store.getParameters("r")).toEqual({ a: { kind: "json", value: "changed" }, b: { kind: "metric", value: 2 } });
      expect(await store.getParameters("r", "m.0")).toEqual({ i: { kind: "json", value: 0 }, out: { kind: "object", value: "out.pickle" } });
      await expect(store.setParameters("r", { x: { kind: "json", value: 1 } }, "m.9")).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
      await settle(store);
    });

    it("loses nothing: every step written PROCESSING then SUCCESS reads back SUCCESS with its attempt", async () => {
      const n = options.steps ?? 1001;
      const store = await options.create();
      await store.createRunLog(sampleHeader("r"));
      for (let i = 0; i < n; i++) {
        await store.putStepLog("r", processing(`s${i}`));
        await store.putStepLog("r", { ...sampleStep(`s${i}`), attempts: [attempt("SUCCESS")] });
      }
      await store.updateRunLog("r", { status: "SUCCESS" });
      await settle(store);
      const reader = options.reopen ? await options.reopen() : store;
      const log = await reader.getRunLog("r");
      expect(Object.keys(log.steps)).toHaveLength(n);
      expect(Object.values(log.steps).filter((s) => s.status !== "SUCCESS" || s.attempts.length !== 1).map((s) => s.name)).toEqual([]);
      expect(log.status).toBe("SUCCESS");
      await settle(reader);
    }, 120_000);

    it("keeps every write of concurrent branches (one writer, many tasks at once)", async () => {
      const store = await options.create();
      await store.createRunLog(sampleHeader("r"));
      await store.putStepLog("r", sampleStep("m"));
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.putBranchLog("r", branch(`m.${i}`))));
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => store.putStepLog("r", sampleStep(`m.${i}.task`))),
        ...Array.from({ length: 20 }, (_, i) => store.setParameters("r", { [`v${i}`]: { kind: "json", value: i } }, `m.${i}`)),
        ...Array.from({ length: 20 }, (_, i) => store.setParameters("r", { [`root${i}`]: { kind: "json", value: i } })),
      ]);
      const log = await store.getRunLog("r");
      expect(Object.keys(log.steps.m!.branches)).toHaveLength(20);
      expect(Object.values(log.steps.m!.branches).every((b) => Object.keys(b.steps).length === 1 && Object.keys(b.parameters).length === 1)).toBe(true);
      expect(Object.keys(log.parameters)).toHaveLength(20);
      await settle(store);
    });

    it("lists every run with its status and tag", async () => {
      const store = await options.create();
      for (const id of ["b-run", "a-run"]) await store.createRunLog({ ...sampleHeader(id), tag: `tag-${id}` });
      await store.updateRunLog("a-run", { status: "SUCCESS" });
      await store.flush?.();
      const runs = await (options.reopen ? await options.reopen() : store).listRuns();
      expect(runs.map((r) => r.run_id).sort()).toEqual(["a-run", "b-run"]);
      expect(runs.find((r) => r.run_id === "a-run")).toMatchObject({ status: "SUCCESS", tag: "tag-a-run", dag_hash: "h" });
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it("shows a run written by one instance to another (another process), after flush and refresh", async () => {
        const writer = await options.create();
        await writer.createRunLog(sampleHeader("r"));
        await writer.putStepLog("r", sampleStep("one"));
        await writer.setParameters("r", { a: { kind: "json", value: 1 } });
        await writer.flush?.();
        const reader = await reopen();
        await reader.refresh?.("r");
        expect(await reader.getParameters("r")).toEqual({ a: { kind: "json", value: 1 } });
        expect((await reader.getRunLog("r")).steps.one?.status).toBe("SUCCESS");
        expect((await reader.listRuns()).map((r) => r.run_id)).toContain("r");
        await settle(writer);
        await settle(reader);
      });

    }

    if (options.reopen && options.crashTolerant) {
      const reopen = options.reopen;
      it("merges the writes of several instances on one run (branches in other processes), none overwriting another", async () => {
        const parent = await options.create();
        await parent.createRunLog(sampleHeader("r"));
        await parent.putStepLog("r", sampleStep("par"));
        for (const b of ["par.a", "par.b", "par.c"]) await parent.putBranchLog("r", branch(b));
        await parent.flush?.();
        const children = await Promise.all(["a", "b", "c"].map(async () => reopen()));
        await Promise.all(
          children.map(async (child, i) => {
            const b = `par.${"abc"[i]}`;
            await child.refresh?.("r");
            await child.putStepLog("r", sampleStep(`${b}.x`));
            await child.setParameters("r", { [`from${i}`]: { kind: "json", value: i } }, b);
            await child.putBranchLog("r", { ...branch(b, "SUCCESS"), parameters: { [`from${i}`]: { kind: "json", value: i } } });
            await settle(child);
          }),
        );
        await parent.refresh?.("r");
        const log = await parent.getRunLog("r");
        for (const [i, b] of ["par.a", "par.b", "par.c"].entries()) {
          expect(log.steps.par!.branches[b]).toMatchObject({ status: "SUCCESS", parameters: { [`from${i}`]: { kind: "json", value: i } } });
          expect(Object.keys(log.steps.par!.branches[b]!.steps)).toEqual([`${b}.x`]);
        }
        await settle(parent);
      });

      it("reads what a writer flushed before it died (no close), and a new writer continues the run", async () => {
        const crashed = await options.create();
        await crashed.createRunLog(sampleHeader("r"));
        await crashed.putStepLog("r", sampleStep("done"));
        await crashed.flush?.();
        const retry = await reopen();
        expect((await retry.getRunLog("r")).steps.done?.status).toBe("SUCCESS");
        await retry.putStepLog("r", sampleStep("after"));
        await retry.updateRunLog("r", { status: "SUCCESS" });
        await settle(retry);
        const log = await (await reopen()).getRunLog("r");
        expect(Object.keys(log.steps)).toEqual(["done", "after"]);
        expect(log.status).toBe("SUCCESS");
      });
    }
  });
}
