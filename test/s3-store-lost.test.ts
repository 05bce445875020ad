import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTask, Pipeline } from "@runnable-ts/sdk";
import { runPipeline } from "@runnable-ts/runtime";
import { ChunkedMinioRunLogStore } from "@runnable-ts/s3";
import { startS3rver } from "@runnable-ts/testing";

describe("chunked-minio when the server goes away mid-run", () => {
  it("ends the run with the store's coded error (no hang), and what was written stays readable", async () => {
    const server = await startS3rver();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-s3-lost-")));
    const store = server.config("lost", "runs/");
    writeFileSync(join(dir, "config.yaml"), `run-log-store: { type: chunked-minio, config: ${JSON.stringify(store)} }\ncatalog: do-nothing\n`);
    let ran = 0;
    const pipeline = new Pipeline({
      steps: [
        new FunctionTask({ name: "first", fn: async () => (ran++, await new Promise((r) => setTimeout(r, 200)), 1), returns: ["a"] }),
        new FunctionTask({
          name: "outage",
          fn: async () => {
            ran++;
            // Once the first step's outcome is in the bucket (batches go out asynchronously), the server goes away.
            for (let i = 0; i < 200; i++) {
              const seen = await new ChunkedMinioRunLogStore(store).getStepLog("lost-1", "first");
              if (seen?.status === "SUCCESS") break;
              await new Promise((r) => setTimeout(r, 25));
            }
            await server.stop();
            return 2;
          },
          returns: ["b"],
        }),
        new FunctionTask({ name: "after", fn: async () => (ran++, await new Promise((r) => setTimeout(r, 200)), 3), returns: ["c"] }),
      ],
    });
    const started = Date.now();
    await expect(runPipeline(pipeline.toGraph(), { definition: { kind: "sdk", file: __filename }, cwd: dir, configurationFile: join(dir, "config.yaml"), env: {}, runId: "lost-1" })).rejects.toMatchObject({
      code: "E_ENDPOINT_UNREACHABLE",
      message: expect.stringContaining(server.endpoint),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    const back = await startS3rver({ port: server.port, directory: server.directory });
    try {
      const log = await new ChunkedMinioRunLogStore(store).getRunLog("lost-1");
      expect(log.steps.first?.status).toBe("SUCCESS");
      expect(ran).toBeLessThanOrEqual(3);
    } finally {
      await back.stop({ remove: true });
    }
  }, 60_000);
});
