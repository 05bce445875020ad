// Shared by the peer workers: argument parsing, timing, the result line.
export const [workload, sizeArg, repsArg, variant = ""] = process.argv.slice(2);
export const size = Number(sizeArg);
export const reps = Number(repsArg);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `once` (warm-up then `reps` times) and prints {times, rss} as the last line. */
export async function measure(once, extra = () => ({})) {
  // Warm-up: three runs (the JIT settles after a few); at 10,000 two for W2, as runnable-ts's
  // worker does (its ratio compares warm runs), none for the other long runs (a peer's W1 at
  // 10,000 takes most of a minute).
  const warmups = size < 10_000 ? 3 : workload === "w2" ? 2 : 0;
  for (let i = 0; i < warmups; i++) await once(true);
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await once(false);
    times.push(performance.now() - start);
  }
  console.log(JSON.stringify({ times, rss: process.resourceUsage().maxRSS * 1024, ...extra() }));
}

/** The median of `values` (the mean of the middle two for an even count; 0 for none). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
