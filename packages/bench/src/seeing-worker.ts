/**
 * One A/B measurement of a "seeing a run" cost in a fresh process (started by seeing.ts):
 * `node seeing-worker.js <mode> <steps> <reps> <result file>`. Runs W1 alternately without and
 * with the observer, so that both see the same machine load: mode `otel` / `otel-simple` /
 * `otel-nothing` (a tracer provider registered, with the batch, the simple or a do-nothing span
 * processor: spans from the run's events), `floor` (the SDK's own cost of
 * those spans, no run), `events` (a listener that ignores the events: the
 * cost of making them) and `live` (the live terminal view on stdout; run it under a
 * pseudo-TTY). Writes {plain, observed} (ms per run) to the result file.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createRunView } from "@runnable-ts/cli";
import { runPipeline, type RunProgress } from "@runnable-ts/runtime";
import { FunctionTask, Pipeline, type RunEvent } from "@runnable-ts/sdk";
import { performance } from "node:perf_hooks";

const [mode = "plain", stepsArg = "1000", repsArg = "5", resultFile = ""] = process.argv.slice(2);
const steps = Number(stepsArg);

const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-bench-seeing-")));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, "config.yaml");
writeFileSync(config, "run-log-store: { type: buffered }\ncatalog: { type: do-nothing }\n");

/** W1: a chain of `n` function steps passing a value along. */
const graph = new Pipeline({
  steps: Array.from({ length: steps }, (_, i) =>
    i === 0 ? new FunctionTask({ name: "s0", fn: () => 0, returns: ["value"] }) : new FunctionTask({ name: `s${i}`, fn: ({ value }: { value: number }) => value + 1, returns: ["value"] }),
  ),
}).toGraph();

/**
 * Spans go through the span processor a user sets up for an OTLP collector (the README's
 * BatchSpanProcessor; `otel-simple`: SimpleSpanProcessor, one export per span) to an exporter
 * that keeps nothing.
 */
const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
/** A span processor that does nothing: what is left is the SDK's own cost of a span. */
const nothing: SpanProcessor = { onStart: () => undefined, onEnd: () => undefined, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
const processor = mode === "otel-simple" ? new SimpleSpanProcessor(discard) : mode === "otel-nothing" ? nothing : new BatchSpanProcessor(discard);
const provider = new BasicTracerProvider({ spanProcessors: [processor] });
const sdk = new BasicTracerProvider({ spanProcessors: [nothing] }).getTracer("floor");

/**
 * The SDK's floor for W1's spans, without any run: per step a step span and a task span with
 * the attributes a run's spans carry, the step's context as the task's parent (the minimum a
 * tracer has to ask of the SDK). `observed` false: the same loop without spans.
 */
async function floor(observed: boolean): Promise<number> {
  const start = performance.now();
  const run = sdk.startSpan("runnable.run");
  const root = trace.setSpan(ROOT_CONTEXT, run);
  for (let i = 0; i < steps; i++) {
    const step = `s${i}`;
    if (observed) {
      const span = sdk.startSpan("runnable.step", undefined, root).setAttribute("runnable.run_id", "bench").setAttribute("runnable.step", step).setAttribute("runnable.step_type", "task");
      const task = sdk
        .startSpan("runnable.task", undefined, trace.setSpan(root, span))
        .setAttribute("runnable.run_id", "bench")
        .setAttribute("runnable.step", step)
        .setAttribute("runnable.step_type", "task")
        .setAttribute("runnable.attempt", 1);
      await null;
      task.setAttribute("runnable.status", "SUCCESS").end();
      span.setAttribute("runnable.status", "SUCCESS").end();
    } else await null;
  }
  run.end();
  return performance.now() - start;
}

async function once(observed: boolean): Promise<number> {
  if (mode === "floor") return floor(observed);
  if (mode.startsWith("otel") && observed) trace.setGlobalTracerProvider(provider);
  const view = observed && mode === "live" ? createRunView({ json: false, quiet: false }, { out: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`), err: () => undefined, tty: true, rows: 30, columns: 100 }) : undefined;
  const listener = view ? (event: RunEvent) => view.onEvent(event) : observed && mode === "events" ? () => undefined : undefined;
  const start = performance.now();
  const detail = { ...(view?.needs ? { eventDetail: view.needs } : {}), ...(view?.watch ? { onProgress: (progress: RunProgress) => view.watch!(progress) } : {}) };
  const result = await runPipeline(graph, { definition: { kind: "sdk", file: undefined }, cwd: dir, configurationFile: config, env: {}, ...(listener ? { onEvent: listener, ...detail } : {}) });
  view?.finish(result);
  const ms = performance.now() - start;
  trace.disable();
  if (result.status !== "SUCCESS") throw new Error("run failed");
  return ms;
}

async function main(): Promise<void> {
  // Warm-up pairs until the JIT has settled: a W1 run of 1,000 steps is ~7 ms now, and the
  // first ten or so of each variant are still being optimised (the observed one has more code
  // to warm, so a short warm-up charges it for that, not for what it costs).
  for (let i = 0; i < 20; i++) {
    await once(false);
    await once(true);
  }
  const plain: number[] = [];
  const observed: number[] = [];
  for (let i = 0; i < Number(repsArg); i++) {
    plain.push(await once(false));
    observed.push(await once(true));
  }
  writeFileSync(resultFile, JSON.stringify({ plain, observed }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
