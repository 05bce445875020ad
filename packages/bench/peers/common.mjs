// Shared by the peer workers: argument parsing, timing, the result line.
export const [workload, sizeArg, repsArg, variant = ""] = process.argv.slice(2);
export const size = Number(sizeArg);
export const reps = Number(repsArg);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `once` (warm-up then `reps` times) and prints {times, rss} as the last line. */
export async function measure(once, extra = () => ({})) {
  // Warm-up: three runs (the JIT settles after a few), none for long runs (they warm up by themselves).
  for (let i = 0; i < (size < 10_000 ? 3 : 0); i++) await once(true);
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await once(false);
    times.push(performance.now() - start);
  }
  console.log(JSON.stringify({ times, rss: process.resourceUsage().maxRSS * 1024, ...extra() }));
}
