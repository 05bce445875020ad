import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadDefinition, runPipeline } from "@runnable-ts/runtime";
import { S3Connection } from "@runnable-ts/s3";
import { startS3rver, type S3Server } from "@runnable-ts/testing";
import { median, timeIt, type Figure } from "./measure";

/** Median wall time of one small PutObject to the server: the floor a store's write cannot beat. */
async function putFloor(server: S3Server): Promise<number> {
  const connection = new S3Connection(server.config("floor"), "bench");
  await connection.ensureBucket();
  let i = 0;
  const body = JSON.stringify({ t: "step", s: 1, log: { name: "x".repeat(300) } });
  const times = await timeIt(() => connection.put(`k/${i++}.jsonl`, body), 200, 20);
  connection.close();
  return median(times);
}

/** One W1 chain of `n` function steps on chunked-minio: wall time and objects written. */
async function chain(server: S3Server, n: number, bucket: string): Promise<{ ms: number; objects: number }> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-s3-w1-")));
  try {
    const steps = Array.from({ length: n }, (_, i) => `    s${i}: { type: task, command: ./steps.js#inc, returns: [value], next: ${i === n - 1 ? "success" : `s${i + 1}`} }`).join("\n");
    writeFileSync(join(dir, "pipeline.yaml"), `dag:\n  start_at: s0\n  steps:\n${steps}\n`);
    writeFileSync(join(dir, "steps.js"), "exports.inc = ({ value = 0 }) => value + 1;\n");
    writeFileSync(join(dir, "config.yaml"), `run-log-store: { type: chunked-minio, config: ${JSON.stringify(server.config(bucket, "runs/"))} }\ncatalog: do-nothing\n`);
    const definition = await loadDefinition("pipeline.yaml", dir);
    const start = performance.now();
    const result = await runPipeline(definition.graph, { definition: definition.source, cwd: dir, configurationFile: join(dir, "config.yaml"), env: {} });
    const ms = performance.now() - start;
    if (result.status !== "SUCCESS") throw new Error(`chunked-minio W1 chain of ${n} ended ${result.status}`);
    const connection = new S3Connection(server.config(bucket), "bench");
    const objects = (await connection.list(`runs/${result.runId}/`)).keys.length;
    connection.close();
    return { ms, objects };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * W1 on `chunked-minio` against s3rver (started here, on 127.0.0.1): per-step wall time at each
 * size, the objects (PUTs) per step, and s3rver's per-PUT floor beside it. Target: the per-step
 * cost at the largest size within 1.3x of that at the smallest (flat), and <= 2 PUTs' worth.
 */
export async function chunkedMinioBench(sizes: number[], reps: number): Promise<Figure[]> {
  const server = await startS3rver();
  try {
    const floor = await putFloor(server);
    const figures: Figure[] = [{ workload: "W1 chain on chunked-minio (s3rver)", metric: "s3rver PUT floor, median", value: floor, unit: "ms" }];
    const perStep: number[] = [];
    for (const n of sizes) {
      const runs: { ms: number; objects: number }[] = [];
      for (let r = 0; r < reps; r++) runs.push(await chain(server, n, `w1-${n}-${r}`));
      const ms = median(runs.map((x) => x.ms)) / n;
      perStep.push(ms);
      figures.push(
        { workload: `W1 chain on chunked-minio, N=${n}`, metric: "per step (wall / N)", value: ms, unit: "ms" },
        { workload: `W1 chain on chunked-minio, N=${n}`, metric: "journal objects (PUTs) per run", value: median(runs.map((x) => x.objects)), unit: "" },
        { workload: `W1 chain on chunked-minio, N=${n}`, metric: "per step / PUT floor", value: ms / floor, unit: "x", target: { max: 2 } },
      );
    }
    if (perStep.length > 1)
      figures.push({ workload: "W1 chain on chunked-minio", metric: `per step N=${sizes.at(-1)} / N=${sizes[0]}`, value: perStep.at(-1)! / perStep[0]!, unit: "x", target: { max: 1.3 } });
    return figures;
  } finally {
    await server.stop({ remove: true });
  }
}
