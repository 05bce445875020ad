/**
 * One measurement of runnable-ts in a fresh process (started by main.ts, like the peers'
 * workers): `node worker.js <workload> <size> <reps> <variant>`; prints {times, rss, …} last.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AsyncFunctionTask, AsyncPipeline, FunctionTask, MapStep, Parallel, Pipeline, type GraphDef } from "@runnable-ts/sdk";
import { runPipeline, streamGraph } from "@runnable-ts/runtime";
import { median, timeIt } from "./measure";

const [workload = "", sizeArg = "0", repsArg = "1", variant = ""] = process.argv.slice(2);
const size = Number(sizeArg);
const reps = Number(repsArg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Config of a variant: `<store>` or `<store>+<executor>`. */
function configOf(v: string, concurrency = 64): string {
  const [store = "buffered", executor = "local"] = v.split("+");
  const catalog = store === "buffered" ? "do-nothing" : "file-system";
  return `pipeline-executor: { type: ${executor}${executor === "async-local" ? `, config: { max_concurrency: ${concurrency} }` : ""} }\nrun-log-store: { type: ${store} }\ncatalog: { type: ${catalog} }\n`;
}

const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-bench-")));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** The last run measured (its log's size is reported). */
let lastRun: { runId: string; runLog: unknown } | undefined;

/** Total size of the files under `path`. */
function bytesUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

/** Bytes of the last run's log: its folder on disk for a file store, else its JSON. */
function logBytes(): number {
  if (!lastRun) return 0;
  const folder = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name, lastRun!.runId)).find((p) => { try { return statSync(p).isDirectory(); } catch { return false; } });
  return folder ? bytesUnder(folder) : Buffer.byteLength(JSON.stringify(lastRun.runLog));
}

/** Config files by content: written once, as a user's file is (rewriting it every run would make each run load plugins again). */
const configFiles = new Map<string, string>();

function configFile(config: string): string {
  let file = configFiles.get(config);
  if (!file) {
    file = join(dir, `config-${configFiles.size}.yaml`);
    writeFileSync(file, config);
    configFiles.set(config, file);
  }
  return file;
}

async function run(graph: GraphDef, config: string): Promise<void> {
  // The previous run's log is let go before the next run starts: holding it would add a whole
  // run log to every measured run's peak memory (the peers' workers keep nothing either).
  lastRun = undefined;
  const file = configFile(config);
  const result = await runPipeline(graph, { definition: { kind: "sdk", file: undefined }, cwd: dir, configurationFile: file, env: {} });
  if (result.status !== "SUCCESS") throw new Error(`run failed: ${JSON.stringify(result.runLog).slice(0, 400)}`);
  lastRun = result;
}

function chain(n: number): GraphDef {
  return new Pipeline({
    steps: Array.from({ length: n }, (_, i) =>
      i === 0 ? new FunctionTask({ name: "s0", fn: () => 0, returns: ["value"] }) : new FunctionTask({ name: `s${i}`, fn: ({ value }: { value: number }) => value + 1, returns: ["value"] }),
    ),
  }).toGraph();
}

function map(m: number, ms: number): GraphDef {
  const work = ms > 0 ? new AsyncFunctionTask({ name: "work", fn: async ({ item }: { item: number }) => { await sleep(ms); return item * 2; }, returns: ["doubled"] }) : new FunctionTask({ name: "work", fn: ({ item }: { item: number }) => item * 2, returns: ["doubled"] });
  return new Pipeline({
    steps: [
      new FunctionTask({ name: "load", fn: () => Array.from({ length: m }, (_, i) => i), returns: ["items"] }),
      new MapStep({ name: "m", iterateOn: "items", iterateAs: "item", branch: new Pipeline({ steps: [work] }) }),
    ],
  }).toGraph();
}

function fanOut(branches: number, ms: number): GraphDef {
  return new Pipeline({
    steps: [
      new Parallel({
        name: "par",
        branches: Object.fromEntries(Array.from({ length: branches }, (_, i) => [`b${i}`, new Pipeline({ steps: [new AsyncFunctionTask({ name: "io", fn: async () => { await sleep(ms); } })] })])),
      }),
    ],
  }).toGraph();
}

async function measure(once: () => Promise<void>, extra: () => Record<string, unknown> = () => ({})): Promise<void> {
  // Warm-up: three runs of the step workloads (the JIT settles after a few), two at 10,000 (so
  // that the per-step figures of both sizes, and their ratio, compare settled runs: the code is
  // optimized again at a run's second start, when what only a run's end and start do has been
  // seen), one of the I/O workloads, none for W4 or the 10 s sequential fan-out.
  const warmups = workload === "w1" || workload === "w2" ? (size < 10_000 ? 3 : 2) : variant.endsWith("+local") || size >= 10_000 ? 0 : 1;
  const times = await timeIt(once, reps, warmups);
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ times, rss, logBytes: logBytes(), ...extra() }));
}

async function main(): Promise<void> {
  switch (workload) {
    case "w1": {
      const graph = chain(size);
      return measure(() => run(graph, configOf(variant)));
    }
    case "w2": {
      const graph = map(size, 0);
      return measure(() => run(graph, configOf(variant)));
    }
    case "w3": {
      const graph = fanOut(size, 200);
      return measure(() => run(graph, configOf(variant)));
    }
    case "w4": {
      const graph = map(size, 10);
      return measure(() => run(graph, configOf(variant, 1000)));
    }
    case "w5": {
      const graph = new AsyncPipeline({
        steps: [new AsyncFunctionTask({ name: "gen", fn: async function* () { for (let i = 0; i < size; i++) yield { type: "tick", t: performance.now() }; } })],
      }).toGraph();
      const file = join(dir, "config.yaml");
      writeFileSync(file, configOf("buffered+async-local"));
      // Events per second of each repetition: the figure is their median, as every other figure is.
      const rates: number[] = [];
      const latencies: number[] = [];
      return measure(
        async () => {
          const start = performance.now();
          let seen = 0;
          for await (const event of streamGraph(graph, { definition: { kind: "sdk", file: undefined }, cwd: dir, configurationFile: file, env: {} })) {
            if (event.type !== "tick") continue;
            if (++seen % 100 === 0) latencies.push(performance.now() - (event.t as number));
          }
          if (seen !== size) throw new Error(`streamed ${seen} of ${size}`);
          rates.push(size / ((performance.now() - start) / 1000));
        },
        () => ({ eventsPerSecond: median(rates), latencyMicros: (latencies.sort((a, b) => a - b)[Math.floor(latencies.length / 2)] ?? 0) * 1000 }),
      );
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
