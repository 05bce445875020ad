import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTask, MapStep, Pipeline } from "@runnable-ts/sdk";
import { runPipeline } from "@runnable-ts/runtime";
import { median, timeIt, type Figure } from "./measure";

/** Store configurations of the engine workloads. */
export const STORE_CONFIGS = {
  buffered: "run-log-store: { type: buffered }\ncatalog: { type: do-nothing }\n",
  "chunked-fs": "run-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n",
} as const;

function chain(n: number): Pipeline {
  const steps = Array.from({ length: n }, (_, i) =>
    i === 0
      ? new FunctionTask({ name: "s0", fn: () => 0, returns: ["value"] })
      : new FunctionTask({ name: `s${i}`, fn: ({ value }: { value: number }) => value + 1, returns: ["value"] }),
  );
  return new Pipeline({ steps });
}

function map(m: number): Pipeline {
  return new Pipeline({
    steps: [
      new FunctionTask({ name: "load", fn: () => Array.from({ length: m }, (_, i) => i), returns: ["items"] }),
      new MapStep({ name: "m", iterateOn: "items", iterateAs: "item", branch: new Pipeline({ steps: [new FunctionTask({ name: "double", fn: ({ item }: { item: number }) => item * 2, returns: ["doubled"] })] }) }),
    ],
  });
}

async function timeRun(pipeline: Pipeline, store: keyof typeof STORE_CONFIGS, repeat: number): Promise<number> {
  const graph = pipeline.toGraph();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-bench-")));
  const config = join(dir, "config.yaml");
  writeFileSync(config, STORE_CONFIGS[store]);
  try {
    const times = await timeIt(async () => {
      const result = await runPipeline(graph, { definition: { kind: "sdk", file: undefined }, cwd: dir, configurationFile: config, env: {} });
      if (result.status !== "SUCCESS") throw new Error(`bench run failed: ${JSON.stringify(result.runLog).slice(0, 500)}`);
    }, repeat);
    return median(times);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** W1: a chain of N steps passing a value by name; per-step overhead against N=10. */
export async function chainBench(sizes: number[], store: keyof typeof STORE_CONFIGS, target: number): Promise<Figure[]> {
  const small = 10;
  const base = await timeRun(chain(small), store, 5);
  const figures: Figure[] = [];
  for (const n of sizes) {
    const t = await timeRun(chain(n), store, n >= 5000 ? 1 : 3);
    const perStep = n === small ? t / n : (t - base) / (n - small);
    figures.push({ workload: `W1 chain ${store}`, metric: `N=${n} per step`, value: perStep * 1000, unit: "µs", target: { max: target } });
  }
  return figures;
}

/** W2: a map of M items doubling each, reduced to a list; per-item overhead. */
export async function mapBench(sizes: number[], store: keyof typeof STORE_CONFIGS, target: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  const base = await timeRun(map(10), store, 3);
  for (const m of sizes) {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const t = await timeRun(map(m), store, m >= 5000 ? 1 : 3);
    clearInterval(sampler);
    figures.push({ workload: `W2 map ${store}`, metric: `M=${m} per item`, value: ((t - base) / (m - 10)) * 1000, unit: "µs", target: { max: target } });
    figures.push({ workload: `W2 map ${store}`, metric: `M=${m} wall`, value: t, unit: "ms" });
    figures.push({ workload: `W2 map ${store}`, metric: `M=${m} peak RSS`, value: peak / 2 ** 20, unit: "MiB" });
  }
  return figures;
}
