import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AsyncFunctionTask,
  AsyncPipeline,
  ExecutionFailedError,
  FunctionTask,
  MapStep,
  Parallel,
  Pipeline,
  type RunEvent,
  type RunLog,
  type StepLog,
} from "@runnable-ts/sdk";
import { runPipeline } from "../src/run";
import { findStep, run, workdir } from "./support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ASYNC = "pipeline-executor: { type: async-local }\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n";
const LOCAL = "pipeline-executor: { type: local }\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n";

/** The run log without what legitimately differs between two runs: times, ids, order of keys. */
function comparable(log: RunLog): unknown {
  const step = (s: StepLog): unknown => ({
    ...s,
    attempts: s.attempts.map((a) => ({ ...a, start_time: "", end_time: "", code_identities: [] })),
    branches: Object.fromEntries(Object.entries(s.branches).sort(([a], [b]) => a.localeCompare(b)).map(([k, b]) => [k, { ...b, steps: steps(b.steps) }])),
  });
  const steps = (record: Record<string, StepLog>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, step(s)]));
  return { status: log.status, parameters: log.parameters, steps: steps(log.steps) };
}

describe("async-local executor", () => {
  const fanOut = () =>
    new Pipeline({
      steps: [
        new Parallel({
          name: "par",
          branches: Object.fromEntries(
            Array.from({ length: 20 }, (_, i) => [`b${i}`, new Pipeline({ steps: [new AsyncFunctionTask({ name: "wait", fn: async () => { await sleep(300); return i; }, returns: [`r${i}`] })] })]),
          ),
        }),
      ],
    });

  it("overlaps 20 branches of 300 ms (under 1 s) where local takes 6 s, with equal run logs", async () => {
    const a = workdir(ASYNC);
    let start = Date.now();
    const concurrent = await run(fanOut(), a);
    const concurrentMs = Date.now() - start;
    const l = workdir(LOCAL);
    start = Date.now();
    const sequential = await run(fanOut(), l);
    const sequentialMs = Date.now() - start;
    expect(concurrent.status).toBe("SUCCESS");
    expect(concurrentMs).toBeLessThan(1000);
    expect(sequentialMs).toBeGreaterThanOrEqual(6000);
    expect(comparable(concurrent.runLog)).toEqual(comparable(sequential.runLog));
  }, 20000);

  it("never runs more than max_concurrency tasks at once, across a map of 100, and records all", async () => {
    let running = 0;
    let peak = 0;
    const pipeline = new Pipeline({
      steps: [
        new FunctionTask({ name: "load", fn: () => Array.from({ length: 100 }, (_, i) => i), returns: ["items"] }),
        new MapStep({
          name: "m",
          iterateOn: "items",
          iterateAs: "item",
          branch: new Pipeline({
            steps: [
              new AsyncFunctionTask({
                name: "work",
                returns: ["out"],
                fn: async ({ item }: { item: number }) => {
                  peak = Math.max(peak, ++running);
                  await sleep(5 + (item % 3));
                  running--;
                  return item;
                },
              }),
            ],
          }),
        }),
      ],
    });
    const w = workdir("pipeline-executor: { type: async-local, config: { max_concurrency: 10 } }\nrun-log-store: { type: chunked-fs }\n");
    const { runLog } = await run(pipeline, w);
    expect(peak).toBe(10);
    expect(Object.keys(findStep(runLog, "m")!.branches)).toHaveLength(100);
    expect(runLog.parameters.out?.value).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it.each(["chunked-fs", "file-system"])("loses no parameter written by concurrent branches under %s (same as local)", async (store) => {
    const pipeline = () =>
      new Pipeline({
        steps: [
          new Parallel({
            name: "par",
            branches: Object.fromEntries(
              Array.from({ length: 12 }, (_, b) => [
                `b${b}`,
                new Pipeline({
                  steps: Array.from({ length: 3 }, (_, s) =>
                    new AsyncFunctionTask({ name: `s${s}`, returns: [`v_${b}_${s}`, `w_${b}_${s}`], fn: async () => { await sleep(Math.random() * 5); return [b, s]; } }),
                  ),
                }),
              ]),
            ),
          }),
        ],
      });
    const concurrent = await run(pipeline(), workdir(`pipeline-executor: async-local\nrun-log-store: { type: ${store} }\n`));
    const sequential = await run(pipeline(), workdir(`pipeline-executor: local\nrun-log-store: { type: ${store} }\n`));
    expect(Object.keys(concurrent.runLog.parameters)).toHaveLength(72);
    expect(comparable(concurrent.runLog)).toEqual(comparable(sequential.runLog));
  });
});

describe("async-function tasks and streaming", () => {
  const chat = () =>
    new AsyncPipeline({
      steps: [
        new AsyncFunctionTask({
          name: "generate",
          returns: ["text"],
          fn: async function* ({ prompt }: { prompt: string }) {
            for (const token of ["Hello", " ", prompt]) yield { type: "chunk", text: token };
            yield { type: "done", text: `Hello ${prompt}` };
          },
        }),
        new FunctionTask({ name: "shout", fn: ({ text }: { text: string }) => text.toUpperCase(), returns: ["loud"] }),
      ],
    });

  it("streams lifecycle and generator events in causal order; the done value reaches the next step", async () => {
    const w = workdir(ASYNC);
    const events: RunEvent[] = [];
    for await (const e of chat().executeStreaming({ cwd: w.dir, configurationFile: w.config, parameters: { prompt: "world" } })) events.push(e);
    const seq = events.map((e) => `${e.type}@${e.step}`);
    expect(seq).toEqual([
      "pipeline_started@",
      "step_started@generate",
      "task_started@generate",
      "chunk@generate",
      "chunk@generate",
      "chunk@generate",
      "done@generate",
      "task_completed@generate",
      "step_completed@generate",
      "step_started@shout",
      "task_started@shout",
      "task_completed@shout",
      "step_completed@shout",
      "step_started@success",
      "step_completed@success",
      "pipeline_completed@",
    ]);
    expect(events.filter((e) => e.type === "chunk").map((e) => e.text)).toEqual(["Hello", " ", "world"]);
    const runIds = new Set(events.map((e) => e.run_id));
    expect(runIds.size).toBe(1);
    expect(events.every((e) => typeof e.timestamp === "string" && !Number.isNaN(Date.parse(e.timestamp)))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "pipeline_completed", status: "SUCCESS" });
    const log = await chat().execute({ cwd: w.dir, configurationFile: w.config, parameters: { prompt: "again" } });
    expect(log.parameters.loud?.value).toBe("HELLO AGAIN");
  });

  it("holds a run of steps that never wait while a stream's consumer is behind (its buffer stays bounded)", async () => {
    // 3000 plain-function iterations answer synchronously: without backpressure on step events
    // all 12,000+ events would be queued before the consumer saw the first one.
    const w = workdir(ASYNC);
    let started = 0;
    const pipeline = new AsyncPipeline({
      steps: [
        new FunctionTask({ name: "load", fn: () => Array.from({ length: 3000 }, (_, i) => i), returns: ["items"] }),
        new MapStep({ name: "m", iterateOn: "items", iterateAs: "item", branch: new Pipeline({ steps: [new FunctionTask({ name: "work", fn: ({ item }: { item: number }) => (started++, item), returns: ["out"] })] }) }),
      ],
    });
    let seen = 0;
    let startedWhenSeen100 = -1;
    for await (const e of pipeline.executeStreaming({ cwd: w.dir, configurationFile: w.config, eventBuffer: 64 })) {
      if (++seen === 100) startedWhenSeen100 = started;
      if (e.type === "pipeline_completed") expect(e.status).toBe("SUCCESS");
    }
    expect(started).toBe(3000);
    // The consumer's 100th event came while the map was still early on (64 buffered, a few
    // events per iteration), not after it had run all 3000 iterations.
    expect(startedWhenSeen100).toBeGreaterThanOrEqual(0);
    expect(startedWhenSeen100).toBeLessThan(200);
  });

  it("does not fail a step whose event listener's promise rejects (the wait is backpressure only)", async () => {
    const w = workdir(ASYNC);
    const seen: string[] = [];
    const result = await runPipeline(chat().toGraph(), {
      definition: { kind: "sdk", file: undefined },
      cwd: w.dir,
      configurationFile: w.config,
      env: {},
      parameters: { prompt: "x" },
      onEvent: async (e) => {
        seen.push(e.type);
        if (e.type === "step_started" || e.type === "step_completed") throw new Error("listener broke");
      },
    });
    expect(result.status).toBe("SUCCESS");
    expect(seen.filter((t) => t === "step_completed")).toHaveLength(3);
  });

  it("reports a generator that throws mid-stream: task_error, FAIL step, then the iterator throws", async () => {
    const w = workdir(ASYNC);
    const pipeline = new AsyncPipeline({
      steps: [
        new AsyncFunctionTask({
          name: "broken",
          fn: async function* () {
            yield { type: "chunk", text: "a" };
            throw new Error("stream broke");
          },
        }),
      ],
    });
    const events: RunEvent[] = [];
    let thrown: unknown;
    try {
      for await (const e of pipeline.executeStreaming({ cwd: w.dir, configurationFile: w.config })) events.push(e);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExecutionFailedError);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["chunk", "task_error", "step_completed", "pipeline_completed"]));
    expect(events.find((e) => e.type === "task_error")).toMatchObject({ step: "broken", error: "stream broke" });
    expect(events.at(-1)).toMatchObject({ type: "pipeline_completed", status: "FAIL" });
    expect(findStep((thrown as ExecutionFailedError).runLog as RunLog, "broken")).toMatchObject({ status: "FAIL", message: "stream broke" });
  });

  it("pauses a generator for a slow consumer: unread events stay within the buffer", async () => {
    const w = workdir(ASYNC);
    let produced = 0;
    const pipeline = new AsyncPipeline({
      steps: [
        new AsyncFunctionTask({
          name: "firehose",
          fn: async function* () {
            for (let i = 0; i < 10_000; i++) {
              produced++;
              yield { type: "tick", i };
            }
          },
        }),
      ],
    });
    let consumed = 0;
    let maxAhead = 0;
    for await (const e of pipeline.executeStreaming({ cwd: w.dir, configurationFile: w.config, eventBuffer: 64 })) {
      if (e.type !== "tick") continue;
      consumed++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      if (consumed <= 30) await sleep(50);
    }
    expect(consumed).toBe(10_000);
    expect(maxAhead).toBeLessThanOrEqual(64 + 1);
  }, 20000);

  it("rejects a sync function for an async task, in the SDK and in YAML before running", async () => {
    expect(() => new AsyncFunctionTask({ name: "sync", fn: (() => 1) as never })).toThrow(/must be an async function/);
    const w = workdir(ASYNC);
    writeFileSync(join(w.dir, "fns.js"), "exports.syncFn = () => 1;\nexports.asyncFn = async () => 2;\n");
    const graph = (command: string) => ({
      start_at: "t",
      steps: { t: { type: "task", name: "t", command_type: "async-function", command, returns: [], secrets: [], max_attempts: 1, retry_delay_ms: 0, overrides: {}, stream_end_type: "done", next: "success" } },
    });
    await expect(run(graph("./fns.js#syncFn"), w)).rejects.toMatchObject({ code: "E_GRAPH_INVALID", message: expect.stringMatching(/must be an async function/) });
    await expect(run(graph("./fns.js#asyncFn"), w)).resolves.toMatchObject({ status: "SUCCESS" });
  });
});

describe("cancellation", () => {
  it("aborting the signal of execute() cancels running tasks and skips pending steps", async () => {
    const w = workdir(ASYNC);
    let sawAbort = false;
    let laterRan = false;
    const controller = new AbortController();
    const pipeline = new AsyncPipeline({
      steps: [
        new AsyncFunctionTask({
          name: "long",
          fn: async (_p, ctx) => {
            // Abort from outside once the task is running (not after a fixed delay: start-up time varies).
            setTimeout(() => controller.abort(new Error("stop requested")), 20);
            await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => { sawAbort = true; r(); }));
          },
        }),
        new FunctionTask({ name: "later", fn: () => { laterRan = true; } }),
      ],
    });
    const error = await pipeline.execute({ cwd: w.dir, configurationFile: w.config, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionFailedError);
    const log = (error as ExecutionFailedError).runLog as RunLog;
    expect(sawAbort).toBe(true);
    expect(laterRan).toBe(false);
    expect(log.status).toBe("FAIL");
    expect(findStep(log, "long")?.message).toMatch(/cancelled: stop requested/);
  });

  it("breaking out after the third event cancels the run; the process exits cleanly", () => {
    const script = `
      process.on("unhandledRejection", (e) => { console.error("UNHANDLED", e); process.exit(3); });
      const { AsyncPipeline, AsyncFunctionTask, FunctionTask } = require(${JSON.stringify(join(__dirname, "..", "..", "sdk"))});
      require(${JSON.stringify(join(__dirname, ".."))});
      const fs = require("fs");
      const w = ${JSON.stringify(workdir("pipeline-executor: async-local\nrun-log-store: { type: chunked-fs }\n"))};
      let aborted = false, laterRan = false;
      const pipeline = new AsyncPipeline({ steps: [
        new AsyncFunctionTask({ name: "gen", fn: async function* (_p, ctx) {
          ctx.signal.addEventListener("abort", () => { aborted = true; });
          for (let i = 0; ; i++) { yield { type: "tick", i }; await new Promise((r) => setTimeout(r, 5)); }
        } }),
        new FunctionTask({ name: "later", fn: () => { laterRan = true; } }),
      ] });
      (async () => {
        let n = 0, runId;
        for await (const e of pipeline.executeStreaming({ cwd: w.dir, configurationFile: w.config })) { runId = e.run_id; if (++n === 3) break; }
        const dir = w.dir + "/.run_log_store/" + runId;
        const { runPipeline } = require(${JSON.stringify(join(__dirname, ".."))});
        const store = new (require(${JSON.stringify(join(__dirname, "..", "..", "..", "plugins", "run-log-store-chunked-fs"))}).ChunkedFsRunLogStore)(w.dir + "/.run_log_store");
        const log = await store.getRunLog(runId);
        console.log(JSON.stringify({ aborted, laterRan, status: log.status, gen: log.steps.gen && log.steps.gen.message, steps: Object.keys(log.steps) }));
      })();
    `;
    const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20000 });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout.trim()) as { aborted: boolean; laterRan: boolean; status: string; gen: string; steps: string[] };
    expect(out).toMatchObject({ aborted: true, laterRan: false, status: "FAIL" });
    expect(out.gen).toMatch(/cancelled: the consumer stopped reading events/);
    expect(out.steps).not.toContain("later");
  });
});

describe("isolation", () => {
  it("runs 50 pipelines at once in one process, each seeing only its own parameters and secrets", async () => {
    const base = workdir(ASYNC);
    const pipeline = new AsyncPipeline({
      steps: [
        new AsyncFunctionTask({
          name: "echo",
          secrets: ["token"],
          returns: ["seen", "secret_length"],
          fn: async ({ who }: { who: string }, ctx) => {
            await sleep(Math.random() * 20);
            return [who, ctx.secrets.token?.length ?? -1];
          },
        }),
      ],
    });
    const logs = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        writeFileSync(join(base.dir, `.env${i}`), `token=${"x".repeat(i + 1)}\n`);
        const config = join(base.dir, `config${i}.yaml`);
        writeFileSync(config, `pipeline-executor: async-local\nrun-log-store: { type: chunked-fs }\nsecrets: { type: dotenv, config: { location: .env${i} } }\n`);
        return pipeline.execute({ cwd: base.dir, configurationFile: config, parameters: { who: `user-${i}` } });
      }),
    );
    expect(new Set(logs.map((l) => l.run_id)).size).toBe(50);
    logs.forEach((log, i) => {
      expect(log.parameters.seen?.value).toBe(`user-${i}`);
      expect(log.parameters.secret_length?.value).toBe(i + 1);
    });
    expect(process.env.token).toBeUndefined();
  });
});

describe("console capture under async-local", () => {
  it("keeps each concurrent task's console output in its own execution log, unless turned off", async () => {
    const pipeline = () =>
      new Pipeline({
        steps: [
          new Parallel({
            name: "par",
            branches: Object.fromEntries(
              ["a", "b", "c"].map((k) => [k, new Pipeline({ steps: [new AsyncFunctionTask({ name: "talk", fn: async () => { for (let i = 0; i < 3; i++) { await sleep(5); console.log(`${k} says ${i}`); } } })] })]),
            ),
          }),
        ],
      });
    const on = workdir(ASYNC);
    const { runLog } = await run(pipeline(), on);
    const { readFileSync } = jest.requireActual<typeof import("node:fs")>("node:fs");
    for (const k of ["a", "b", "c"]) {
      const text = readFileSync(join(on.dir, ".catalog", runLog.run_id, `par.${k}.talk.attempt1.execution.log`), "utf8");
      expect(text).toContain(`${k} says 0\n${k} says 1\n${k} says 2`);
      expect(text).not.toMatch(new RegExp(`(${["a", "b", "c"].filter((x) => x !== k).join("|")}) says`));
    }
    const off = workdir("pipeline-executor: { type: async-local, config: { capture_console: false } }\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n");
    const spy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const second = await run(pipeline(), off);
      const { existsSync } = jest.requireActual<typeof import("node:fs")>("node:fs");
      expect(existsSync(join(off.dir, ".catalog", second.runLog.run_id, "par.a.talk.attempt1.execution.log"))).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
