/**
 * One measurement of the "seeing a run" costs in a fresh process (started by seeing.ts):
 * `node seeing-worker.js <mode> <steps> <reps> <result file>`, modes `plain` (nothing observes
 * the run), `otel` (a tracer provider registered: spans from the run's events) and `live` (the
 * live terminal view on stdout, run under a pseudo-TTY). Writes {times} to the result file.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { createRunView } from "@runnable-ts/cli";
import { runPipeline } from "@runnable-ts/runtime";
import { FunctionTask, Pipeline, type RunEvent } from "@runnable-ts/sdk";
import { timeIt } from "./measure";

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

/** Spans go through the SDK's span processor to an exporter that keeps nothing. */
const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
if (mode === "otel") trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] }));

async function once(): Promise<void> {
  const view = mode === "live" ? createRunView({ json: false, quiet: false }, { out: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`), err: () => undefined, tty: true, rows: 30, columns: 100 }) : undefined;
  const result = await runPipeline(graph, {
    definition: { kind: "sdk", file: undefined },
    cwd: dir,
    configurationFile: config,
    env: {},
    ...(view ? { onEvent: (event: RunEvent) => view.onEvent(event) } : mode === "events" ? { onEvent: () => undefined } : {}),
  });
  view?.finish(result);
  if (result.status !== "SUCCESS") throw new Error("run failed");
}

timeIt(once, Number(repsArg), 3)
  .then((times) => writeFileSync(resultFile, JSON.stringify({ times })))
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
