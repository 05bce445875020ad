import { performance } from "node:perf_hooks";

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Fastest and slowest of a list of numbers ([0, 0] when empty). */
export function spread(values: number[]): [number, number] {
  return values.length === 0 ? [0, 0] : [Math.min(...values), Math.max(...values)];
}

/** Runs `fn` `warmup` times unmeasured, then `repeat` times; resolves to the durations in ms. */
export async function timeIt(fn: () => unknown, repeat: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** One printed figure with its target. */
export interface Figure {
  workload: string;
  metric: string;
  value: number;
  unit: string;
  /** Fastest and slowest repetition, when the figure is a median. */
  spread?: [number, number];
  target?: { max: number } | { min: number };
}

/** `pass`/`miss` of a figure against its target, or "" when it has none. */
export function verdict(f: Figure): string {
  if (!f.target) return "";
  return "max" in f.target ? (f.value <= f.target.max ? "pass" : "miss") : f.value >= f.target.min ? "pass" : "miss";
}

/** One printed row of a workload table (also one entry of bench-results/*.json). */
export interface Row {
  workload: string;
  system: string;
  family: "ours" | "peer";
  size: number;
  medianMs?: number;
  /** Fastest and slowest repetition (ms). */
  minMs?: number;
  maxMs?: number;
  perUnitUs?: number;
  /** Per-step (per-item) overhead from the fastest and the slowest repetition. */
  perUnitMinUs?: number;
  perUnitMaxUs?: number;
  /** Bytes of the run's log (on disk for a file store, else its JSON) per step or item. */
  logBytesPerUnit?: number;
  rssMiB?: number;
  eventsPerSecond?: number;
  ratio?: number;
  target?: string;
  verdict?: string;
  error?: string;
}
