import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { context } from "@opentelemetry/api";
import { loadDefinition, runPipeline, type RunOptions } from "../src/index";
import { seeingDir } from "../../../test/support/seeing";
import { runCli } from "../../../test/support/cli";

const run = async (dir: string, file: string, runId: string, env: NodeJS.ProcessEnv = {}, listen: Pick<RunOptions, "onEvent" | "eventDetail"> = {}) => {
  const definition = await loadDefinition(file, dir);
  return runPipeline(definition.graph, { definition: definition.source, cwd: dir, env, runId, parametersFile: join(dir, "params.yaml"), ...listen });
};

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const stepName = (span: ReadableSpan): string => String(span.attributes["runnable.step"]);

describe("OpenTelemetry spans (in-memory exporter)", () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it("runnable.run → runnable.step (nested as the run nests) → runnable.task per attempt, with the attributes and no parameter values", async () => {
    const dir = seeingDir();
    const result = await run(dir, "nested.yaml", "otel1");
    expect(result.status).toBe("SUCCESS");
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === "runnable.run");
    expect(runs).toHaveLength(1);
    const root = runs[0]!;
    expect(root.attributes).toMatchObject({ "runnable.run_id": "otel1", "runnable.status": "SUCCESS" });
    expect(parentOf(root)).toBeUndefined();
    const steps = new Map(spans.filter((s) => s.name === "runnable.step").map((s) => [stepName(s), s]));
    const expectParent = (step: string, parent: ReadableSpan): void => expect(parentOf(steps.get(step)!)).toBe(parent.spanContext().spanId);
    for (const s of ["start", "par", "outer", "flaky", "success"]) expectParent(s, root);
    expectParent("par.left.hello", steps.get("par")!);
    expectParent("outer.1.inner", steps.get("outer")!);
    expectParent("outer.2.inner.b.work", steps.get("outer.2.inner")!);
    expect(steps.get("outer")!.attributes).toMatchObject({ "runnable.run_id": "otel1", "runnable.step": "outer", "runnable.step_type": "map", "runnable.status": "SUCCESS" });
    for (const span of spans) expect(span.spanContext().traceId).toBe(root.spanContext().traceId);
    // Attempts: the flaky step has two task spans under its step span, the first an ERROR.
    const flakyTasks = spans.filter((s) => s.name === "runnable.task" && stepName(s) === "flaky");
    expect(flakyTasks.map((s) => [s.attributes["runnable.attempt"], s.attributes["runnable.status"], s.status.code])).toEqual([
      [1, "FAIL", 2],
      [2, "SUCCESS", 0],
    ]);
    for (const t of flakyTasks) expect(parentOf(t)).toBe(steps.get("flaky")!.spanContext().spanId);
    expect(flakyTasks[0]!.events.map((e) => e.name)).toEqual(["exception"]);
    // Parameter values never reach a span.
    const everything = JSON.stringify(spans.map((s) => [s.attributes, s.events]));
    expect(everything).not.toMatch(/\[1,2\]|letters|items/);
    expect(spans.filter((s) => s.name === "runnable.task")).toHaveLength(1 + 2 + 4 + 2);
  });

  it("a listener that wants no task or step events (the live view) takes none of the spans away", async () => {
    const dir = seeingDir();
    const types = new Set<string>();
    const result = await run(dir, "nested.yaml", "otel-lean", {}, { onEvent: (e) => void types.add(e.type), eventDetail: { previews: false, output: true, tasks: false, steps: false } });
    expect(result.status).toBe("SUCCESS");
    const tasks = exporter.getFinishedSpans().filter((s) => s.name === "runnable.task");
    expect(tasks).toHaveLength(1 + 2 + 4 + 2);
    expect(tasks.filter((s) => stepName(s) === "flaky").map((s) => s.attributes["runnable.status"])).toEqual(["FAIL", "SUCCESS"]);
    expect(types.has("task_started") || types.has("task_completed") || types.has("step_started") || types.has("step_completed")).toBe(false);
    expect(exporter.getFinishedSpans().filter((s) => s.name === "runnable.step").map(stepName)).toEqual(expect.arrayContaining(["start", "par", "outer", "outer.2.inner.b.work", "flaky"]));
  });

  it("a failing step and its run end with status ERROR and the error recorded", async () => {
    const dir = seeingDir();
    const result = await run(dir, "failing.yaml", "otel2");
    expect(result.status).toBe("FAIL");
    const spans = exporter.getFinishedSpans();
    const broken = spans.filter((s) => stepName(s) === "broken");
    expect(broken.map((s) => s.name).sort()).toEqual(["runnable.step", "runnable.task"]);
    for (const s of broken) {
      expect(s.status).toEqual({ code: 2, message: "command exited with code 3" });
      expect(s.events[0]?.attributes?.["exception.message"]).toBe("command exited with code 3");
    }
    const root = spans.find((s) => s.name === "runnable.run")!;
    expect(root.status.code).toBe(2);
    expect(root.attributes["runnable.status"]).toBe("FAIL");
  });

  it("joins a caller's trace given TRACEPARENT", async () => {
    const dir = seeingDir();
    await run(dir, "failing.yaml", "otel3", { TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    const root = exporter.getFinishedSpans().find((s) => s.name === "runnable.run")!;
    expect(root.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(parentOf(root)).toBe("b7ad6b7169203331");
  });
});

describe("OpenTelemetry does not change the run log", () => {
  it("a traced task records as input parameters only those it read (rendering the event's inputs is not reading them)", async () => {
    const inputsOf = async (traced: boolean): Promise<string[]> => {
      const dir = seeingDir();
      writeFileSync(join(dir, "functions.js"), "exports.useA = ({ a }) => a + 1;\n");
      writeFileSync(join(dir, "reads.yaml"), "dag:\n  start_at: one\n  steps:\n    one: { type: task, command: ./functions.js#useA, returns: [{ name: c }], next: success }\n");
      writeFileSync(join(dir, "params.yaml"), "a: 1\nb: [1, 2, 3]\n");
      const exporter = new InMemorySpanExporter();
      if (traced) trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      try {
        const result = await run(dir, "reads.yaml", `reads-${traced}`);
        expect(exporter.getFinishedSpans().length > 0).toBe(traced);
        return Object.keys(result.runLog.steps.one!.attempts[0]!.input_parameters);
      } finally {
        trace.disable();
      }
    };
    expect(await inputsOf(true)).toEqual(["a"]);
    expect(await inputsOf(false)).toEqual(["a"]);
  });
});

describe("OpenTelemetry without a provider", () => {
  it("records nothing and changes nothing", async () => {
    const dir = seeingDir();
    const result = await run(dir, "nested.yaml", "nootel");
    expect(result.status).toBe("SUCCESS");
    expect(result.runLog.steps.flaky?.attempts).toHaveLength(2);
  });

  it("does not load @opentelemetry/api in a process where no provider is registered (and loads it once one is)", () => {
    const tracing = JSON.stringify(join(__dirname, "..", "dist", "tracing.js"));
    const script = `
      const { RunTracer } = require(${tracing});
      const loaded = () => Object.keys(require.cache).some((file) => file.includes("@opentelemetry/api"));
      const none = [RunTracer.start({ runSpan: true, runId: "r" }), RunTracer.start({ runSpan: false })];
      const before = loaded();
      const { trace } = require(${JSON.stringify(require.resolve("@opentelemetry/api"))});
      const { BasicTracerProvider } = require(${JSON.stringify(require.resolve("@opentelemetry/sdk-trace-base"))});
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      console.log(JSON.stringify({ none: none.filter(Boolean).length, before, traced: RunTracer.start({ runSpan: true, runId: "r" }) !== undefined }));`;
    const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ none: 0, before: false, traced: true });
  });
});

describe("OpenTelemetry across processes (emulator)", () => {
  it("the emulator's step processes get TRACEPARENT: their spans share the run's trace id and hang under the host's step spans", () => {
    const dir = seeingDir();
    const spansFile = join(dir, "spans.jsonl");
    const sdk = (name: string): string => JSON.stringify(require.resolve(name));
    writeFileSync(
      join(dir, "tracing.js"),
      `const { trace } = require(${sdk("@opentelemetry/api")});
const { BasicTracerProvider, SimpleSpanProcessor } = require(${sdk("@opentelemetry/sdk-trace-base")});
const fs = require("fs");
const exporter = {
  export(spans, done) {
    for (const s of spans) fs.appendFileSync(process.env.SPANS_FILE, JSON.stringify({ pid: process.pid, name: s.name, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId, parent: s.parentSpanContext && s.parentSpanContext.spanId, step: s.attributes["runnable.step"] }) + "\\n");
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
`,
    );
    writeFileSync(join(dir, "emulator.yaml"), "pipeline-executor: { type: emulator }\nrun-log-store: { type: chunked-fs }\n");
    const result = runCli(["execute", "failing.yaml", "-c", "emulator.yaml", "--run-id", "emu1", "--quiet"], {
      cwd: dir,
      env: { NODE_OPTIONS: `--require ${join(dir, "tracing.js")}`, SPANS_FILE: spansFile },
    });
    expect(result.stdout.trim()).toBe("run emu1: FAIL");
    const spans = readFileSync(spansFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { pid: number; name: string; traceId: string; spanId: string; parent?: string; step?: string });
    const host = spans.find((s) => s.name === "runnable.run")!;
    const children = spans.filter((s) => s.pid !== host.pid);
    expect(new Set(children.map((s) => s.pid)).size).toBe(2); // one process per task step (ok, broken)
    for (const s of spans) expect(s.traceId).toBe(host.traceId);
    for (const step of ["ok", "broken"]) {
      const hostStep = spans.find((s) => s.pid === host.pid && s.name === "runnable.step" && s.step === step)!;
      const childStep = children.find((s) => s.name === "runnable.step" && s.step === step)!;
      expect(childStep.parent).toBe(hostStep.spanId);
      const childTask = children.find((s) => s.name === "runnable.task" && s.step === step)!;
      expect(childTask.parent).toBe(childStep.spanId);
    }
  });
});
