/**
 * `npm run bench`: runs every workload for runnable-ts and its in-process peers (Mastra,
 * LangGraph.js), each measurement in a fresh child process, and prints one table per workload
 * (median wall, per-step or per-item overhead, peak RSS, ratio to the best peer, target
 * verdicts). Figures also go to bench-results/latest.json. Options: --smoke (smallest sizes),
 * --only w1,w3 (workloads), --sizes 10,100 (W1/W2 sizes), --systems ours,mastra,langgraph.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { argoBench } from "./argo-bench";
import { containerBench } from "./container-bench";
import { cliHelpBench, discoveryBench, emulatorBench } from "./runnable-only";
import { median, verdict, type Figure } from "./measure";
import { seeingBench } from "./seeing";
import { chunkedMinioBench } from "./s3-workload";

const ROOT = resolve(__dirname, "..", "..", "..");
const BENCH = resolve(__dirname, "..");
const WORKER = join(BENCH, "dist", "worker.js");
const CLI = join(ROOT, "packages", "cli", "dist", "bin.js");

interface System {
  name: string;
  family: "ours" | "peer";
  /** argv of a measurement (workload, size, reps), or undefined when the system skips it. */
  argv(workload: string, size: number, reps: number): string[] | undefined;
}

const ours = (label: string, variant: string): System => ({
  name: `runnable-ts ${label}`,
  family: "ours",
  argv: (w, s, r) => [process.execPath, WORKER, w, String(s), String(r), variant],
});
const peer = (name: string, script: string, variant = ""): System => ({
  name,
  family: "peer",
  argv: (w, s, r) => [process.execPath, join(BENCH, "peers", script), w, String(s), String(r), variant],
});
const MASTRA = peer("Mastra 0.24", "mastra.mjs");
const LANGGRAPH = peer("LangGraph 1.7", "langgraph.mjs");
const LANGGRAPH_SAVER = peer("LangGraph 1.7 +MemorySaver", "langgraph.mjs", "saver");

interface Row {
  workload: string;
  system: string;
  family: "ours" | "peer";
  size: number;
  medianMs?: number;
  perUnitUs?: number;
  rssMiB?: number;
  eventsPerSecond?: number;
  ratio?: number;
  target?: string;
  verdict?: string;
  error?: string;
}

/** One measurement in a fresh process: the worker's last stdout line is JSON. */
function measureIn(argv: string[], timeoutMs: number, cwd = BENCH): { times: number[]; rss: number; eventsPerSecond?: number; error?: string } {
  const [command, ...args] = argv;
  const result = spawnSync(command!, args, { cwd, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_NO_WARNINGS: "1" } });
  if (result.error && (result.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return { times: [], rss: 0, error: `timeout (> ${timeoutMs / 1000} s)` };
  if (result.status !== 0) return { times: [], rss: 0, error: `failed: ${(result.stderr || result.stdout).trim().split("\n").slice(-2).join(" ").slice(0, 200)}` };
  const last = result.stdout.trim().split("\n").pop() ?? "{}";
  return JSON.parse(last) as { times: number[]; rss: number; eventsPerSecond?: number };
}

const repsFor = (size: number, smoke: boolean): number => (smoke ? 1 : size <= 100 ? 5 : size <= 1000 ? 3 : 1);
const mib = (bytes: number): number => bytes / 2 ** 20;

/** W1/W2: per-step (per-item) overhead against the smallest size. */
function scaling(workload: string, label: string, systems: System[], sizes: number[], smoke: boolean, timeout: number, targets: Record<string, number>): Row[] {
  const rows: Row[] = [];
  const small = sizes[0]!;
  for (const system of systems) {
    let base: number | undefined;
    let previous: { size: number; ms: number } | undefined;
    for (const size of sizes) {
      const argv = system.argv(workload, size, repsFor(size, smoke));
      if (!argv) continue;
      // Peers grow faster than linearly on long chains: skip a size whose estimate (quadratic
      // from the previous size) exceeds the time budget, instead of waiting for a timeout.
      const estimate = previous ? previous.ms * (size / previous.size) ** 2 : 0;
      if (estimate > timeout) {
        rows.push({ workload: label, system: system.name, family: system.family, size, error: `skipped: ~${(estimate / 1000).toFixed(0)} s estimated from N=${previous!.size}` });
        continue;
      }
      const m = measureIn(argv, timeout);
      if (!m.error) previous = { size, ms: median(m.times) };
      const row: Row = { workload: label, system: system.name, family: system.family, size, rssMiB: mib(m.rss) };
      if (m.error) row.error = m.error;
      else {
        row.medianMs = median(m.times);
        if (size === small) base = row.medianMs;
        else if (base !== undefined) row.perUnitUs = ((row.medianMs - base) / (size - small)) * 1000;
      }
      const target = targets[system.name];
      if (target !== undefined && row.perUnitUs !== undefined) {
        row.target = `<= ${target} µs`;
        row.verdict = row.perUnitUs <= target ? "pass" : "miss";
      }
      rows.push(row);
    }
  }
  return withRatios(rows, (r) => r.perUnitUs);
}

/** W3/W4/W5: one size, wall time (or throughput) and memory. */
function single(workload: string, label: string, systems: System[], size: number, smoke: boolean, timeout: number, check: (r: Row) => void): Row[] {
  const rows = systems.flatMap((system) => {
    const argv = system.argv(workload, size, smoke || system.name.endsWith(" local") ? 1 : 3);
    if (!argv) return [];
    const m = measureIn(argv, timeout);
    const row: Row = { workload: label, system: system.name, family: system.family, size, rssMiB: mib(m.rss) };
    if (m.error) row.error = m.error;
    else {
      row.medianMs = median(m.times);
      if (m.eventsPerSecond !== undefined) row.eventsPerSecond = m.eventsPerSecond;
    }
    check(row);
    return [row];
  });
  return withRatios(rows, (r) => (r.eventsPerSecond !== undefined ? 1 / r.eventsPerSecond : r.medianMs));
}

/** Adds the ratio of each row's figure to the best peer's at the same size (below 1: faster). */
function withRatios(rows: Row[], figure: (r: Row) => number | undefined): Row[] {
  for (const row of rows) {
    const peers = rows.filter((r) => r.family === "peer" && r.size === row.size).map(figure).filter((v): v is number => v !== undefined && v > 0);
    const own = figure(row);
    if (peers.length > 0 && own !== undefined && own > 0) row.ratio = own / Math.min(...peers);
  }
  return rows;
}

/** W6: a one-step pipeline as a fresh process. */
function processStart(systems: System[], smoke: boolean): Row[] {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-w6-")));
  writeFileSync(join(dir, "one.yaml"), "dag:\n  start_at: one\n  steps:\n    one: { type: task, command: ./one.js#one, next: success }\n");
  writeFileSync(join(dir, "one.js"), "exports.one = () => 1;\n");
  writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: buffered\ncatalog: do-nothing\n");
  const reps = smoke ? 2 : 7;
  const rows = systems.map((system) => {
    const argv = system.family === "ours" ? [process.execPath, CLI, "execute", "one.yaml", "--quiet"] : system.argv("w6", 1, 1)!;
    const times: number[] = [];
    let error: string | undefined;
    for (let i = 0; i < reps + 1; i++) {
      const start = performance.now();
      const r = spawnSync(argv[0]!, argv.slice(1), { cwd: system.family === "ours" ? dir : BENCH, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } });
      if (r.status !== 0) error = `failed: ${r.stderr.slice(0, 200)}`;
      if (i > 0) times.push(performance.now() - start);
    }
    const row: Row = { workload: "W6 process start (one-step pipeline)", system: system.name, family: system.family, size: 1, medianMs: median(times), ...(error ? { error } : {}) };
    if (system.family === "ours") {
      row.target = "<= 300 ms";
      row.verdict = row.medianMs! <= 300 ? "pass" : "miss";
    }
    return row;
  });
  rmSync(dir, { recursive: true, force: true });
  return withRatios(rows, (r) => r.medianMs);
}

function printTable(rows: Row[], smoke: boolean): void {
  if (rows.length === 0) return;
  console.log(`\n${rows[0]!.workload}`);
  const header = ["system", "N", "median wall", "per step/item", "events/s", "peak RSS", "ratio to best peer", "target", ""];
  const cells = rows.map((r) => [
    r.system,
    String(r.size),
    r.error ?? (r.medianMs !== undefined ? `${r.medianMs.toFixed(1)} ms` : ""),
    r.perUnitUs !== undefined ? `${r.perUnitUs.toFixed(1)} µs` : "",
    r.eventsPerSecond !== undefined ? r.eventsPerSecond.toFixed(0) : "",
    r.rssMiB ? `${r.rssMiB.toFixed(0)} MiB` : "",
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : "",
    r.target ?? "",
    smoke ? "" : (r.verdict ?? ""),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `  ${c.map((x, i) => x.padEnd(widths[i]!)).join("  ")}`.trimEnd();
  console.log(line(header));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: "boolean" }, only: { type: "string" }, sizes: { type: "string" }, systems: { type: "string" } } });
  const smoke = values.smoke === true;
  const only = values.only?.split(",");
  const want = (name: string): boolean => !only || only.includes(name);
  const families = values.systems?.split(",") ?? ["ours", "mastra", "langgraph"];
  const pick = (list: System[]): System[] =>
    list.filter((s) => (s.family === "ours" ? families.includes("ours") : families.some((f) => s.name.toLowerCase().startsWith(f))));
  const sizes = values.sizes ? values.sizes.split(",").map(Number) : smoke ? [10, 50] : [10, 100, 1000, 10000];
  const timeout = 60_000;
  const started = performance.now();
  console.log(`runnable-ts bench — ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}${smoke ? ", smoke sizes (no verdicts)" : ""}`);
  console.log("Each figure is a median over repetitions, each system measured in a fresh process; ratio = figure / best peer's (below 1: better).");
  const rows: Row[] = [];
  const add = (table: Row[]): void => {
    printTable(table, smoke);
    rows.push(...table);
  };
  const BUF = ours("buffered", "buffered");
  const CHUNKED = ours("chunked-fs", "chunked-fs");
  if (want("w1")) add(scaling("w1", "W1 chain of N steps", pick([BUF, CHUNKED, MASTRA, LANGGRAPH, LANGGRAPH_SAVER]), sizes, smoke, timeout, { [BUF.name]: 50, [CHUNKED.name]: 500 }));
  if (want("w2")) add(scaling("w2", "W2 map over M items (x2 each, reduced to a list)", pick([BUF, CHUNKED, MASTRA, LANGGRAPH]), sizes, smoke, timeout, { [BUF.name]: 30, [CHUNKED.name]: 500 }));
  const branches = smoke ? 5 : 50;
  if (want("w3"))
    add(
      single("w3", `W3 ${branches} branches each awaiting 200 ms`, pick([ours("async-local", "buffered+async-local"), ours("local", "buffered+local"), MASTRA, LANGGRAPH]), branches, smoke, timeout, (r) => {
        if (r.system.endsWith("async-local") && r.medianMs !== undefined) Object.assign(r, { target: "<= 205 ms", verdict: r.medianMs <= 205 ? "pass" : "miss" });
      }),
    );
  const items = smoke ? 200 : 10_000;
  if (want("w4"))
    add(
      single("w4", `W4 ${items} items x 10 ms async I/O, concurrency 1000`, pick([ours("async-local buffered", "buffered+async-local"), ours("async-local chunked-fs", "chunked-fs+async-local"), MASTRA, LANGGRAPH]), items, smoke, timeout, (r) => {
        if (r.family === "ours" && r.medianMs !== undefined) {
          const ok = r.medianMs <= 300 && (r.rssMiB ?? 0) <= 200;
          Object.assign(r, { target: "<= 300 ms, <= 200 MiB", verdict: ok ? "pass" : "miss" });
        }
      }),
    );
  const events = smoke ? 5_000 : 100_000;
  if (want("w5"))
    add(
      single("w5", `W5 one generator task streaming ${events} events`, pick([ours("async-local", "buffered+async-local"), MASTRA, LANGGRAPH]), events, smoke, timeout, (r) => {
        if (r.family === "ours" && r.eventsPerSecond !== undefined) Object.assign(r, { target: ">= 500000 ev/s", verdict: r.eventsPerSecond >= 500_000 ? "pass" : "miss" });
      }),
    );
  if (want("w6")) add(processStart(pick([ours("CLI", ""), MASTRA, LANGGRAPH]), smoke));

  // runnable-ts-only figures (kernel and executors), with their targets.
  const extra: Figure[] = [];
  if (want("discovery")) extra.push(...(await discoveryBench(smoke ? 30 : 300, smoke ? 5 : 20, smoke ? 3 : 20)));
  if (want("cli-start")) extra.push(...cliHelpBench(CLI, smoke ? 2 : 10));
  if (want("emulator")) extra.push(...(await emulatorBench(smoke ? 3 : 20)));
  if (want("seeing")) extra.push(...seeingBench(smoke));
  if (want("container")) extra.push(...(await containerBench(smoke ? 2 : 10)));
  if (want("argo")) extra.push(...(await argoBench(smoke ? 50 : 1000)));
  if (want("s3")) extra.push(...(await chunkedMinioBench(smoke ? [10, 50] : [100, 1000], smoke ? 1 : 3)));
  if (extra.length > 0) {
    console.log("\nrunnable-ts only");
    for (const f of extra) {
      const target = f.target ? ("max" in f.target ? `<= ${f.target.max} ${f.unit}` : `>= ${f.target.min} ${f.unit}`) : "";
      console.log(`  ${f.workload.padEnd(40)} ${f.metric.padEnd(28)} ${f.value.toFixed(2).padStart(10)} ${f.unit.padEnd(4)} ${target.padEnd(14)} ${smoke ? "" : verdict(f)}`);
    }
  }
  const out = join(ROOT, "bench-results");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "latest.json"), JSON.stringify({ date: new Date().toISOString(), machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version }, smoke, rows, extra }, null, 2));
  console.log(`\nfigures written to bench-results/latest.json (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
