import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { renderTimelineHtml } from "@runnable-ts/runtime";
import { largeMapRunLog } from "@runnable-ts/testing";
import { median, type Figure } from "./measure";

const WORKER = join(__dirname, "seeing-worker.js");

/** Median run time of W1 (`steps` steps) in a fresh process in `mode`, optionally under a pseudo-TTY. */
function w1(mode: string, steps: number, reps: number, tty: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), "runnable-bench-seeing-"));
  const file = join(dir, "result.json");
  try {
    const argv = [process.execPath, WORKER, mode, String(steps), String(reps), file];
    const result = tty
      ? spawnSync("script", ["-qfec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"], { encoding: "utf8", maxBuffer: 256 * 2 ** 20, timeout: 120_000 })
      : spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 120_000 });
    if (result.status !== 0) throw new Error(`seeing worker (${mode}) failed: ${(result.stderr || result.stdout).slice(-400)}`);
    return median((JSON.parse(readFileSync(file, "utf8")) as { times: number[] }).times);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Costs of seeing a run: OpenTelemetry spans per step on W1 (a provider registered against
 * none), the live terminal view on W1 N=1000 under a pseudo-TTY (against a run nobody
 * watches), and generating the timeline of a 10,000-step run.
 */
export function seeingBench(smoke: boolean): Figure[] {
  const steps = smoke ? 200 : 1000;
  const reps = smoke ? 3 : 9;
  // Each pair alternates plain and observed processes twice; the lower median of each wins (less noise from the other cores' load).
  const best = (mode: string, tty: boolean): number => Math.min(w1(mode, steps, reps, tty), w1(mode, steps, reps, tty));
  const plain = best("plain", false);
  const events = best("events", false);
  const otel = best("otel", false);
  const plainTty = best("plain", true);
  const live = best("live", true);
  const log = largeMapRunLog("bench-timeline", 10_000);
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < (smoke ? 2 : 5); i++) {
    const start = performance.now();
    size = renderTimelineHtml(log).length;
    times.push(performance.now() - start);
  }
  return [
    { workload: `OTel spans, W1 N=${steps}`, metric: "added per step", value: ((otel - plain) / steps) * 1000, unit: "µs", target: { max: 10 } },
    { workload: `OTel spans, W1 N=${steps}`, metric: "of which: making the events", value: ((events - plain) / steps) * 1000, unit: "µs" },
    { workload: `live view, W1 N=${steps}, pseudo-TTY`, metric: "added wall", value: ((live - plainTty) / plainTty) * 100, unit: "%", target: { max: 5 } },
    { workload: "timeline, 10,000 steps", metric: "generation, median", value: median(times), unit: "ms", target: { max: 1000 } },
    { workload: "timeline, 10,000 steps", metric: "file size", value: size / 2 ** 20, unit: "MiB" },
  ];
}
