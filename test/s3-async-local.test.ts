import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTask, MapStep, Parallel, Pipeline } from "@runnable-ts/sdk";
import { runPipeline } from "@runnable-ts/runtime";
import { ChunkedMinioRunLogStore } from "@runnable-ts/s3";
import { startS3rver, type S3Server } from "@runnable-ts/testing";

let server: S3Server;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(() => server.stop({ remove: true }));

const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20)));

const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "items", fn: () => Array.from({ length: 50 }, (_, i) => i), returns: ["items"] }),
    new Parallel({
      name: "par",
      branches: Object.fromEntries(
        Array.from({ length: 8 }, (_, b) => [
          `b${b}`,
          new Pipeline({
            steps: [
              new FunctionTask({ name: "first", fn: async () => (await pause(), b), returns: [`first_${b}`] }),
              new FunctionTask({ name: "second", fn: async () => (await pause(), b * 10), returns: [`second_${b}`] }),
            ],
          }),
        ]),
      ),
    }),
    new MapStep({
      name: "map",
      iterateOn: "items",
      iterateAs: "item",
      branch: new Pipeline({
        steps: [
          new FunctionTask({ name: "double", fn: async ({ item }: { item: number }) => (await pause(), item * 2), returns: ["doubled"] }),
          new FunctionTask({ name: "plus", fn: async ({ doubled }: { doubled: number }) => (await pause(), doubled + 1), returns: ["result"] }),
        ],
      }),
    }),
  ],
});

describe("async-local on chunked-minio (s3rver on 127.0.0.1)", () => {
  it("loses nothing with a parallel of 8 and a map of 50 writing at once", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-s3-async-")));
    const store = server.config("async", "runs/");
    writeFileSync(
      join(dir, "config.yaml"),
      `pipeline-executor: { type: async-local }\nrun-log-store: { type: chunked-minio, config: ${JSON.stringify(store)} }\ncatalog: { type: s3, config: ${JSON.stringify(server.config("async", "catalog/"))} }\n`,
    );
    const result = await runPipeline(pipeline.toGraph(), { definition: { kind: "sdk", file: __filename }, cwd: dir, configurationFile: join(dir, "config.yaml"), env: {} });
    expect(result.status).toBe("SUCCESS");
    // Read back by another instance (another process would see the same): every record is in the bucket.
    const log = await new ChunkedMinioRunLogStore(store).getRunLog(result.runId);
    const par = log.steps.par!;
    expect(Object.keys(par.branches)).toHaveLength(8);
    for (const branch of Object.values(par.branches)) {
      expect(branch.status).toBe("SUCCESS");
      const tasks = Object.values(branch.steps).filter((s) => s.step_type === "task");
      expect(tasks.map((s) => [s.name, s.status, s.attempts.length])).toEqual([
        ["first", "SUCCESS", 1],
        ["second", "SUCCESS", 1],
      ]);
    }
    const map = log.steps.map!;
    expect(Object.keys(map.branches)).toHaveLength(50);
    for (const branch of Object.values(map.branches)) {
      expect(branch.status).toBe("SUCCESS");
      const tasks = Object.values(branch.steps).filter((s) => s.step_type === "task");
      expect(tasks.map((s) => [s.name, s.status, s.attempts.length])).toEqual([
        ["double", "SUCCESS", 1],
        ["plus", "SUCCESS", 1],
      ]);
    }
    for (let b = 0; b < 8; b++) expect(log.parameters[`second_${b}`]?.value).toBe(b * 10);
    expect(log.parameters.result?.value).toEqual(Array.from({ length: 50 }, (_, i) => i * 2 + 1));
    expect(log.status).toBe("SUCCESS");
  }, 60_000);
});
