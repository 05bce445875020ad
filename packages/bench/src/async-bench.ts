import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AsyncFunctionTask, AsyncPipeline, FunctionTask, MapStep, Parallel, Pipeline, type GraphDef } from "@runnable-ts/sdk";
import { runPipeline, streamGraph } from "@runnable-ts/runtime";
import { median, type Figure } from "./measure";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workdir(config: string): { dir: string; config: string; remove(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-bench-")));
  writeFileSync(join(dir, "config.yaml"), config);
  return { dir, config: join(dir, "config.yaml"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function timed(graph: GraphDef, config: string): Promise<number> {
  const w = workdir(config);
  try {
    const start = performance.now();
    const result = await runPipeline(graph, { definition: { kind: "sdk", file: undefined }, cwd: w.dir, configurationFile: w.config, env: {} });
    if (result.status !== "SUCCESS") throw new Error("bench run failed");
    return performance.now() - start;
  } finally {
    w.remove();
  }
}

/** W3: `branches` parallel branches each awaiting `ms`. */
export async function fanOutBench(branches: number, ms: number, executors: string[]): Promise<Figure[]> {
  const graph = new Pipeline({
    steps: [
      new Parallel({
        name: "par",
        branches: Object.fromEntries(Array.from({ length: branches }, (_, i) => [`b${i}`, new Pipeline({ steps: [new AsyncFunctionTask({ name: "io", fn: async () => { await sleep(ms); } })] })])),
      }),
    ],
  }).toGraph();
  const figures: Figure[] = [];
  for (const executor of executors) {
    const times: number[] = [];
    for (let i = 0; i < (executor === "local" ? 1 : 5); i++) times.push(await timed(graph, `pipeline-executor: ${executor}\nrun-log-store: buffered\ncatalog: do-nothing\n`));
    figures.push({ workload: `W3 ${branches} branches x ${ms} ms`, metric: `${executor} wall`, value: median(times), unit: "ms", ...(executor === "async-local" ? { target: { max: 205 } } : {}) });
  }
  return figures;
}

/** W4: a map of `items` iterations each awaiting `ms`, at `concurrency`. */
export async function mapIoBench(items: number, ms: number, concurrency: number, store: "buffered" | "chunked-fs"): Promise<Figure[]> {
  const graph = new Pipeline({
    steps: [
      new FunctionTask({ name: "load", fn: () => Array.from({ length: items }, (_, i) => i), returns: ["items"] }),
      new MapStep({ name: "m", iterateOn: "items", iterateAs: "item", branch: new Pipeline({ steps: [new AsyncFunctionTask({ name: "io", fn: async () => { await sleep(ms); } })] }) }),
    ],
  }).toGraph();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const wall = await timed(graph, `pipeline-executor: { type: async-local, config: { max_concurrency: ${concurrency} } }\nrun-log-store: ${store}\ncatalog: ${store === "buffered" ? "do-nothing" : "file-system"}\n`);
  clearInterval(sampler);
  return [
    { workload: `W4 map ${items} x ${ms} ms @${concurrency} ${store}`, metric: "wall", value: wall, unit: "ms", target: { max: store === "buffered" ? 300 : 1000 } },
    { workload: `W4 map ${items} x ${ms} ms @${concurrency} ${store}`, metric: "peak RSS", value: peak / 2 ** 20, unit: "MiB", target: { max: store === "buffered" ? 200 : 300 } },
  ];
}

/** W5: one generator task yielding `count` small events to a consumer. */
export async function streamBench(count: number): Promise<Figure[]> {
  const graph = new AsyncPipeline({
    steps: [
      new AsyncFunctionTask({
        name: "firehose",
        fn: async function* () {
          for (let i = 0; i < count; i++) yield { type: "tick", t: performance.now() };
        },
      }),
    ],
  }).toGraph();
  const w = workdir("pipeline-executor: async-local\nrun-log-store: buffered\ncatalog: do-nothing\n");
  const latencies: number[] = [];
  let seen = 0;
  const start = performance.now();
  for await (const event of streamGraph(graph, { definition: { kind: "sdk", file: undefined }, cwd: w.dir, configurationFile: w.config, env: {} })) {
    if (event.type !== "tick") continue;
    seen++;
    if (seen % 100 === 0) latencies.push(performance.now() - (event.t as number));
  }
  const seconds = (performance.now() - start) / 1000;
  w.remove();
  if (seen !== count) throw new Error(`expected ${count} events, got ${seen}`);
  return [
    { workload: `W5 stream ${count} events`, metric: "throughput", value: count / seconds, unit: "ev/s", target: { min: 500_000 } },
    { workload: `W5 stream ${count} events`, metric: "median yield->consumer", value: median(latencies) * 1000, unit: "µs" },
  ];
}

/** Emulator vs local on a chain of `n` steps: the per-step cost of a process per step. */
export async function emulatorBench(n: number): Promise<Figure[]> {
  const steps = Array.from({ length: n }, (_, i) => `    s${i}: { type: task, command: ./steps.js#inc, returns: [value], next: ${i === n - 1 ? "success" : `s${i + 1}`} }`).join("\n");
  const yaml = `dag:\n  start_at: s0\n  steps:\n${steps}\n`;
  const times: Record<string, number> = {};
  for (const executor of ["local", "emulator"]) {
    const w = workdir(`pipeline-executor: ${executor}\nrun-log-store: chunked-fs\ncatalog: do-nothing\n`);
    writeFileSync(join(w.dir, "pipeline.yaml"), yaml);
    writeFileSync(join(w.dir, "steps.js"), "exports.inc = ({ value = 0 }) => value + 1;\n");
    const { loadDefinition } = await import("@runnable-ts/runtime");
    const definition = await loadDefinition("pipeline.yaml", w.dir);
    const start = performance.now();
    const result = await runPipeline(definition.graph, { definition: definition.source, cwd: w.dir, configurationFile: w.config, env: { ...process.env } });
    times[executor] = performance.now() - start;
    w.remove();
    if (result.status !== "SUCCESS") throw new Error(`emulator bench failed under ${executor}`);
  }
  return [
    { workload: `emulator chain of ${n}`, metric: "local wall", value: times.local!, unit: "ms" },
    { workload: `emulator chain of ${n}`, metric: "emulator wall", value: times.emulator!, unit: "ms" },
    { workload: `emulator chain of ${n}`, metric: "per-step overhead", value: (times.emulator! - times.local!) / n, unit: "ms", target: { max: 150 } },
  ];
}
