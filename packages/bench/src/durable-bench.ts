import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { entryHash, loadDefinition, lookUp, recordCached, runPipeline, withRunLogStore } from "@runnable-ts/runtime";
import type { NodeDef } from "@runnable-ts/sdk";
import { median, type Figure } from "./measure";

const TASKS = `exports.step = () => 1;
exports.gate = async (_p, ctx) => { if (ctx.resumeData === undefined) await ctx.suspend({ ask: "go?" }); return 2; };
`;

/** A YAML chain of `n` steps whose step `at` suspends. */
function chain(n: number, at: number): string {
  const lines = ["dag:", "  start_at: s1", "  steps:"];
  for (let i = 1; i <= n; i++) lines.push(`    s${i}: { type: task, command: tasks.js#${i === at ? "gate" : "step"}, next: ${i === n ? "success" : `s${i + 1}`} }`);
  return lines.join("\n") + "\n";
}

/**
 * Durable runs: the latency of resuming a 1,000-step chain (chunked-fs) suspended at step 999 —
 * from the call to the resumed run's end, in a process already started — and the in-memory cost
 * of a step cache lookup (entry hash + lookup among recorded results) per task.
 */
export async function durableBench(smoke: boolean): Promise<Figure[]> {
  const steps = smoke ? 100 : 1000;
  const reps = smoke ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), "runnable-bench-durable-"));
  try {
    writeFileSync(join(dir, "tasks.js"), TASKS);
    writeFileSync(join(dir, "pipeline.yaml"), chain(steps, steps - 1));
    writeFileSync(join(dir, "config.yaml"), "run-log-store: { type: chunked-fs }\n");
    const definition = await loadDefinition(join(dir, "pipeline.yaml"), dir);
    const base = { definition: definition.source, cwd: dir, configurationFile: join(dir, "config.yaml"), env: {}, onWarning: () => undefined };
    const times: number[] = [];
    for (let r = 0; r < reps + 1; r++) {
      const runId = `resume-${r}`;
      const first = await runPipeline(definition.graph, { ...base, runId });
      if (first.status !== "SUSPENDED") throw new Error(`bench: the run did not suspend (${first.status})`);
      const start = performance.now();
      const resumed = await runPipeline(definition.graph, { ...base, retryRunId: runId, resume: { data: { ok: true } } });
      if (resumed.status !== "SUCCESS") throw new Error(`bench: the resume ended ${resumed.status}`);
      if (r > 0) times.push(performance.now() - start); // the first one warms up
    }
    const lookups = smoke ? 2_000 : 50_000;
    writeFileSync(join(dir, "memory.yaml"), "run-log-store: { type: buffered }\n");
    const perLookup = await withRunLogStore({ cwd: dir, configurationFile: join(dir, "memory.yaml"), env: {} }, async (store) => {
      const node = { type: "task", name: "t", command_type: "function", command: "tasks.js#step", returns: [{ name: "y", kind: "json" }], cache: true } as NodeDef;
      const identities = [{ code_identifier: "abc", code_identifier_type: "git", code_identifier_dependable: true, code_identifier_url: "", code_identifier_message: "" }];
      const available = { x: { kind: "json" as const, value: 42 }, other: { kind: "json" as const, value: "text" } };
      for (let i = 0; i < 8; i++) await recordCached(store, entryHash(node, identities, undefined), "bench", { inputs: { x: { kind: "json", value: i === 7 ? 42 : i } }, outputs: { y: { kind: "json", value: 84 } }, metrics: {} });
      const start = performance.now();
      for (let i = 0; i < lookups; i++) if (!(await lookUp(store, entryHash(node, identities, undefined), available, undefined))) throw new Error("bench: cache miss");
      return ((performance.now() - start) / lookups) * 1000;
    });
    return [
      { workload: `resume, ${steps}-step chain at step ${steps - 1}`, metric: "resume to end, median", value: median(times), unit: "ms", target: { max: 200 } },
      { workload: "step cache lookup, in memory", metric: "per task (hash + lookup)", value: perLookup, unit: "µs", target: { max: 50 } },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
