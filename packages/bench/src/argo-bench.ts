import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadDefinition, runPipeline } from "@runnable-ts/runtime";
import type { Figure } from "./measure";

const CONFIG = "pipeline-executor: { type: argo, config: { image: registry.example.com/p:1 } }\nrun-log-store: chunked-fs\n";

/** A map nested `depth` deep around one task. */
function nestedMap(depth: number): string {
  let branch = "{ start_at: t, steps: { t: { type: task, command: ./steps.js#id, next: success } } }";
  for (let d = depth; d >= 1; d--) branch = `{ start_at: m${d}, steps: { m${d}: { type: map, iterate_on: items, iterate_as: i${d}, branch: ${branch}, next: success } } }`;
  return `dag:\n  start_at: top\n  steps:\n    top: { type: task, command: ./steps.js#id, next: m0 }\n    m0: { type: map, iterate_on: items, iterate_as: i0, branch: ${branch}, next: success }\n`;
}

/**
 * Compiles pipelines with the `argo` executor (Argo-schema and reference checks included, no
 * run): a chain of `n` steps and a map nested three deep. Wall time and manifest size per step.
 */
export async function argoBench(n: number): Promise<Figure[]> {
  const chain = `dag:\n  start_at: s0\n  steps:\n${Array.from({ length: n }, (_, i) => `    s${i}: { type: task, command: ./steps.js#id, next: ${i === n - 1 ? "success" : `s${i + 1}`} }`).join("\n")}\n`;
  const figures: Figure[] = [];
  for (const [name, yaml, steps] of [
    [`argo compile: chain of ${n}`, chain, n],
    ["argo compile: map nested three deep", nestedMap(2), 5],
  ] as const) {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-argo-bench-")));
    try {
      writeFileSync(join(dir, "argo.yaml"), CONFIG);
      writeFileSync(join(dir, "pipeline.yaml"), yaml);
      writeFileSync(join(dir, "steps.js"), "exports.id = () => 1;\n");
      // The first compile also loads the plugins and Argo's schema (ES modules); the second is the compile itself.
      const walls: number[] = [];
      for (let rep = 0; rep < 2; rep++) {
        const start = performance.now();
        const definition = await loadDefinition("pipeline.yaml", dir);
        const result = await runPipeline(definition.graph, { definition: definition.source, cwd: dir, configurationFile: join(dir, "argo.yaml"), env: {} });
        walls.push(performance.now() - start);
        if (result.compiled === undefined) throw new Error(`${name}: the argo executor compiled nothing`);
      }
      const bytes = readFileSync(join(dir, "argo-pipeline.yaml")).length;
      figures.push(
        { workload: name, metric: "compile wall, first (loads schemas)", value: walls[0]!, unit: "ms" },
        { workload: name, metric: "compile wall", value: walls[1]!, unit: "ms", target: { max: 1000 } },
        { workload: name, metric: "manifest per step", value: bytes / 1024 / steps, unit: "KiB" },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return figures;
}
