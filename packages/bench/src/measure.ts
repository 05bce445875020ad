import { performance } from "node:perf_hooks";

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
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
  target?: { max: number } | { min: number };
}

/** `pass`/`miss` of a figure against its target, or "" when it has none. */
export function verdict(f: Figure): string {
  if (!f.target) return "";
  return "max" in f.target ? (f.value <= f.target.max ? "pass" : "miss") : f.value >= f.target.min ? "pass" : "miss";
}
