import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { renderTimelineHtml } from "@runnable-ts/runtime";
import { largeMapRunLog } from "@runnable-ts/testing";
import { median, type Figure } from "./measure";

const WORKER = join(__dirname, "seeing-worker.js");

/**
 * W1 (`steps` steps) without and with the observer of `mode`, alternately in one fresh process:
 * medians in ms, and the median of the paired differences (each observed run minus the plain
 * run just before it: steadier than a difference of medians on a shared machine).
 */
function w1(mode: string, steps: number, reps: number, tty: boolean): { plain: number; observed: number; added: number } {
  const dir = mkdtempSync(join(tmpdir(), "runnable-bench-seeing-"));
  const file = join(dir, "result.json");
  try {
    const argv = [process.execPath, WORKER, mode, String(steps), String(reps), file];
    const result = tty
      ? spawnSync("script", ["-qfec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"], { encoding: "utf8", maxBuffer: 256 * 2 ** 20, timeout: 180_000 })
      : spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 180_000 });
    if (result.status !== 0) throw new Error(`seeing worker (${mode}) failed: ${(result.stderr || result.stdout).slice(-400)}`);
    const times = JSON.parse(readFileSync(file, "utf8")) as { plain: number[]; observed: number[] };
    return { plain: median(times.plain), observed: median(times.observed), added: median(times.observed.map((ms, i) => ms - times.plain[i]!)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Costs of seeing a run: OpenTelemetry spans per step on W1 (a provider registered against
 * none; with the batch and the simple span processor; and the SDK's own floor for those spans
 * with a processor that does nothing), the live terminal view on W1 N=1000 under a pseudo-TTY (against a run nobody
 * watches), and generating the timeline of a 10,000-step run.
 */
export function seeingBench(smoke: boolean): Figure[] {
  const steps = smoke ? 200 : 1000;
  const reps = smoke ? 3 : 101;
  const otel = w1("otel", steps, reps, false);
  const simple = w1("otel-simple", steps, reps, false);
  const nothing = w1("otel-nothing", steps, reps, false);
  const floor = w1("floor", steps, reps, false);
  const events = w1("events", steps, reps, false);
  const live = w1("live", steps, reps, true);
  const log = largeMapRunLog("bench-timeline", 10_000);
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < (smoke ? 2 : 5); i++) {
    const start = performance.now();
    size = renderTimelineHtml(log).length;
    times.push(performance.now() - start);
  }
  const perStep = (m: { added: number }): number => (m.added / steps) * 1000;
  return [
    { workload: `OTel spans, W1 N=${steps}`, metric: "added per step (batch processor)", value: perStep(otel), unit: "µs", target: { max: 10 } },
    { workload: `OTel spans, W1 N=${steps}`, metric: "added per step (simple processor)", value: perStep(simple), unit: "µs" },
    { workload: `OTel spans, W1 N=${steps}`, metric: "added per step (do-nothing processor)", value: perStep(nothing), unit: "µs" },
    { workload: `OTel spans, W1 N=${steps}`, metric: "SDK floor: its 2 spans per step", value: perStep(floor), unit: "µs" },
    { workload: `OTel spans, W1 N=${steps}`, metric: "W1 run without spans, median", value: otel.plain, unit: "ms" },
    { workload: `W1 N=${steps}, a listener`, metric: "making every event (previews)", value: perStep(events), unit: "µs" },
    { workload: `live view, W1 N=${steps}, pseudo-TTY`, metric: "added wall", value: (live.added / live.plain) * 100, unit: "%", target: { max: 5 } },
    { workload: "timeline, 10,000 steps", metric: "generation, median", value: median(times), unit: "ms", target: { max: 1000 } },
    { workload: "timeline, 10,000 steps", metric: "file size", value: size / 2 ** 20, unit: "MiB" },
  ];
}
