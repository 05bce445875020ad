import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FunctionTask, MapStep, Parallel, Pipeline, ShellTask, Stub, type RunLog } from "@runnable-ts/sdk";
import { loadDefinition, runPipeline } from "../src/index";
import { findStep, workdir } from "./support";

/** Counts executions in a file per task, and fails while the flag file exists. */
function counted(dir: string, name: string, failWhen?: (p: Record<string, unknown>) => boolean) {
  return (params: Record<string, unknown>) => {
    appendFileSync(join(dir, `count-${name}`), "x");
    if (existsSync(join(dir, "fail-flag")) && (failWhen ? failWhen(params) : true)) throw new Error(`${name} failed (flag set)`);
    return name;
  };
}
const runs = (dir: string, name: string): number => (existsSync(join(dir, `count-${name}`)) ? readFileSync(join(dir, `count-${name}`), "utf8").length : 0);

const RETRY_MATRIX = ["chunked-fs", "file-system"].flatMap((store) => ["local", "async-local"].map((executor) => [store, executor]));

describe.each(RETRY_MATRIX)("retry under %s with the %s executor", (store, executor) => {
  const setup = () => {
    const w = workdir(`pipeline-executor: { type: ${executor} }\nrun-log-store: { type: ${store} }\ncatalog: { type: file-system }\n`);
    writeFileSync(join(w.dir, "fail-flag"), "");
    const go = (pipeline: Pipeline, extra: { retry?: string; env?: NodeJS.ProcessEnv; warnings?: string[] } = {}) =>
      runPipeline(pipeline.toGraph(), {
        definition: { kind: "sdk", file: undefined },
        cwd: w.dir,
        configurationFile: w.config,
        env: extra.env ?? {},
        runId: "r1",
        ...(extra.retry ? { retryRunId: extra.retry } : {}),
        onWarning: (m) => extra.warnings?.push(m),
      });
    const fix = () => rmSync(join(w.dir, "fail-flag"));
    return { ...w, go, fix };
  };
  const attempts = (log: RunLog, name: string) => findStep(log, name)!.attempts.map((a) => a.status);

  it("re-runs a single failing task as attempt 2 and skips the steps that succeeded", async () => {
    const { dir, go, fix } = setup();
    const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "ok", fn: counted(dir, "ok", () => false) }), new FunctionTask({ name: "bad", fn: counted(dir, "bad") })] });
    const first = await go(pipeline);
    expect(first.status).toBe("FAIL");
    expect(attempts(first.runLog, "bad")).toEqual(["FAIL"]);
    fix();
    const second = await go(pipeline, { retry: "r1", env: { RUNNABLE_RETRY_INDICATOR: "retry-1" } });
    expect(second.status).toBe("SUCCESS");
    expect(attempts(second.runLog, "bad")).toEqual(["FAIL", "SUCCESS"]);
    expect(findStep(second.runLog, "bad")!.attempts[1]).toMatchObject({ attempt_number: 2, retry_indicator: "retry-1" });
    expect(runs(dir, "ok")).toBe(1);
    expect(second.runLog.run_config).toMatchObject({ is_retry: true, retries: 1 });
  });

  it("skips a stub and re-runs the failed task after it", async () => {
    const { dir, go, fix } = setup();
    const pipeline = new Pipeline({ steps: [new Stub({ name: "stub" }), new FunctionTask({ name: "task", fn: counted(dir, "task") })] });
    await go(pipeline);
    fix();
    const second = await go(pipeline, { retry: "r1" });
    expect(second.status).toBe("SUCCESS");
    expect(attempts(second.runLog, "stub")).toEqual(["SUCCESS"]);
    expect(attempts(second.runLog, "task")).toEqual(["FAIL", "SUCCESS"]);
  });

  it("keeps the parameters the first run left and ignores new ones, with a warning", async () => {
    const { dir, go, fix } = setup();
    const pipeline = new Pipeline({
      steps: [
        new ShellTask({ name: "increment", command: "export counter=$((counter + 1))", returns: ["counter"] }),
        new FunctionTask({ name: "check", fn: (p: { counter: number }) => { counted(dir, "check")(p); return p.counter; }, returns: ["seen"] }),
      ],
    });
    const first = await go(pipeline, { env: { RUNNABLE_PRM_counter: "41" } });
    expect(first.runLog.parameters.counter?.value).toBe(42);
    fix();
    const warnings: string[] = [];
    const second = await go(pipeline, { retry: "r1", env: { RUNNABLE_PRM_counter: "100" }, warnings });
    expect(second.status).toBe("SUCCESS");
    expect(second.runLog.parameters.seen?.value).toBe(42);
    expect(warnings).toEqual([expect.stringMatching(/ignoring RUNNABLE_PRM_counter/)]);
  });

  it("re-runs only the failed branch of a parallel step", async () => {
    const { dir, go, fix } = setup();
    const pipeline = new Pipeline({
      steps: [
        new Parallel({
          name: "par",
          branches: {
            good: new Pipeline({ steps: [new FunctionTask({ name: "a", fn: () => { appendFileSync(join(dir, "count-good"), "x"); return 1; }, returns: ["from_good"] })] }),
            bad: new Pipeline({ steps: [new FunctionTask({ name: "b", fn: counted(dir, "bad"), returns: ["from_bad"] })] }),
          },
        }),
      ],
    });
    await go(pipeline);
    fix();
    const second = await go(pipeline, { retry: "r1" });
    expect(second.status).toBe("SUCCESS");
    expect(runs(dir, "good")).toBe(1);
    expect(runs(dir, "bad")).toBe(2);
    expect(attempts(second.runLog, "par.bad.b")).toEqual(["FAIL", "SUCCESS"]);
    expect(second.runLog.parameters).toMatchObject({ from_good: { value: 1 }, from_bad: { value: "bad" } });
  });

  it("marks the steps where the first run ended as superseded once a retry succeeds, at the root and in branches", async () => {
    const { dir, go, fix } = setup();
    const pipeline = new Pipeline({
      steps: [
        new Parallel({
          name: "par",
          branches: {
            good: new Pipeline({ steps: [new FunctionTask({ name: "a", fn: () => 1 })] }),
            bad: new Pipeline({ steps: [new FunctionTask({ name: "b", fn: counted(dir, "bad") })] }),
          },
        }),
      ],
    });
    const first = await go(pipeline);
    expect(findStep(first.runLog, "fail")?.message).toBe("");
    expect(findStep(first.runLog, "par.bad.fail")).toBeDefined();
    fix();
    const second = await go(pipeline, { retry: "r1" });
    expect(second.status).toBe("SUCCESS");
    expect(findStep(second.runLog, "success")).toMatchObject({ status: "SUCCESS", message: "" });
    expect(findStep(second.runLog, "fail")?.message).toBe('superseded: a retry of this run did not reach this step: it ended its graph at "success"');
    expect(findStep(second.runLog, "par.bad.fail")?.message).toBe('superseded: a retry of this run did not reach this step: it ended its graph at "par.bad.success"');
    expect(findStep(second.runLog, "par.bad.success")?.message).toBe("");
    // The branch that succeeded the first time was not walked again: nothing of it is superseded.
    expect(findStep(second.runLog, "par.good.success")?.message).toBe("");
  });

  it("re-runs only the failed iteration of a map and reduces over all three", async () => {
    const { dir, go, fix } = setup();
    const pipeline = new Pipeline({
      steps: [
        new FunctionTask({ name: "load", fn: () => [1, 2, 3], returns: ["items"] }),
        new MapStep({
          name: "m",
          iterateOn: "items",
          iterateAs: "i",
          branch: new Pipeline({
            steps: [new FunctionTask({ name: "t", returns: ["out"], fn: (p: { i: number }) => { counted(dir, `item${p.i}`, () => p.i === 2)(p); return p.i * 10; } })],
          }),
        }),
      ],
    });
    const first = await go(pipeline);
    expect(findStep(first.runLog, "m")?.message).toBe("failed iterations: m.2");
    fix();
    const second = await go(pipeline, { retry: "r1" });
    expect(second.status).toBe("SUCCESS");
    expect([runs(dir, "item1"), runs(dir, "item2"), runs(dir, "item3")]).toEqual([1, 2, 1]);
    expect(attempts(second.runLog, "m.2.t")).toEqual(["FAIL", "SUCCESS"]);
    expect(second.runLog.parameters.out?.value).toEqual([10, 20, 30]);
  });

  it("refuses a changed definition, saying what changed", async () => {
    const { dir, go } = setup();
    await go(new Pipeline({ steps: [new FunctionTask({ name: "bad", fn: counted(dir, "bad") })] }));
    const edited = new Pipeline({ steps: [new FunctionTask({ name: "bad", fn: counted(dir, "bad"), maxAttempts: 3 }), new Stub({ name: "extra" })] });
    const error = await go(edited, { retry: "r1" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_RETRY_DAG_CHANGED" });
    expect((error as Error).message).toContain('step "extra" was added');
    expect((error as Error).message).toContain('step "bad" changed: max_attempts, next');
  });

  it("refuses to retry an unknown run or one that succeeded", async () => {
    const { go, fix } = setup();
    const pipeline = new Pipeline({ steps: [new Stub({ name: "s" })] });
    await expect(go(pipeline, { retry: "nope" })).rejects.toMatchObject({ code: "E_RUN_NOT_FOUND" });
    fix();
    await go(pipeline);
    await expect(go(pipeline, { retry: "r1" })).rejects.toThrow(/already succeeded/);
  });
});

describe("emulator executor", () => {
  it("runs every task step in a process of its own, passing state through the run log", async () => {
    const { dir, config } = workdir("pipeline-executor: emulator\nrun-log-store: { type: chunked-fs }\n");
    writeFileSync(join(dir, "steps.js"), "exports.pid = () => process.pid;\nexports.twice = ({ first }) => first * 2;\n");
    writeFileSync(
      join(dir, "pipeline.yaml"),
      "dag:\n  start_at: a\n  steps:\n    a: { type: task, command: ./steps.js#pid, returns: [first], next: b }\n    b: { type: task, command: ./steps.js#twice, returns: [second], next: success }\n",
    );
    const definition = await loadDefinition("pipeline.yaml", dir);
    const result = await runPipeline(definition.graph, { definition: definition.source, cwd: dir, configurationFile: config, env: { ...process.env } });
    expect(result.status).toBe("SUCCESS");
    const pid = result.runLog.parameters.first?.value as number;
    expect(pid).not.toBe(process.pid);
    expect(result.runLog.parameters.second?.value).toBe(pid * 2);
  });

  it("refuses an in-memory store, which other processes cannot see", async () => {
    const { dir, config } = workdir("pipeline-executor: emulator\nrun-log-store: { type: buffered }\n");
    const result = await runPipeline(new Pipeline({ steps: [new Stub({ name: "s" })] }).toGraph(), { definition: { kind: "yaml", file: join(dir, "x.yaml") }, cwd: dir, configurationFile: config, env: {} });
    expect(result.status).toBe("FAIL");
    expect(result.runLog.run_config.error).toMatch(/configure a run-log store they can read/);
  });
});
