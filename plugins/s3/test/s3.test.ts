import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleHeader, sampleStep, startS3rver, type S3Server } from "@runnable-ts/testing";
import { ChunkedMinioRunLogStore, MinioRunLogStore, S3Catalog, S3Connection } from "../src/index";

let server: S3Server;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(() => server.stop({ remove: true }));

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

describe("s3 catalog against s3rver", () => {
  it("stores a 200 kB file put through the catalog byte for byte (streamed upload, sha256 of the object = of the file)", async () => {
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), "s3-cat-")));
    const data = randomBytes(200_000);
    writeFileSync(join(cwd, "big.bin"), data);
    const [entry] = await new S3Catalog(server.config("bytes", "cat/"), "s3").put({ runId: "r", patterns: ["big.bin"], cwd });
    const stored = await new S3Connection(server.config("bytes"), "test").getBytes("cat/r/big.bin");
    expect(stored!.length).toBe(200_000);
    expect(sha256(stored!)).toBe(sha256(data));
    expect(entry!.data_hash).toBe(sha256(data));
  });
});

describe("S3 run-log stores against s3rver", () => {
  it("reports a corrupt journal object with E_RUN_LOG_CORRUPT naming the object", async () => {
    const store = new ChunkedMinioRunLogStore(server.config("corrupt", "a/"));
    await store.createRunLog(sampleHeader("r"));
    await store.putStepLog("r", sampleStep("one"));
    await store.close();
    await new S3Connection(server.config("corrupt"), "test").put("a/r/zz-bad.jsonl", "this is not a record\n");
    await expect(new ChunkedMinioRunLogStore(server.config("corrupt", "a/")).getRunLog("r")).rejects.toMatchObject({
      code: "E_RUN_LOG_CORRUPT",
      context: { file: "s3://corrupt/a/r/zz-bad.jsonl" },
    });
  });

  it("reports a corrupt minio run log with E_RUN_LOG_CORRUPT, not E_RUN_NOT_FOUND", async () => {
    await new S3Connection(server.config("corrupt"), "test").put("b/r.json", "{ not json");
    await expect(new MinioRunLogStore(server.config("corrupt", "b/")).getRunLog("r")).rejects.toMatchObject({ code: "E_RUN_LOG_CORRUPT", context: { file: "s3://corrupt/b/r.json" } });
  });

  it("rejects with the store error once the server goes away mid-run, and keeps what was written readable when it is back", async () => {
    const own = await startS3rver();
    const config = own.config("midrun");
    const store = new ChunkedMinioRunLogStore(config);
    await store.createRunLog(sampleHeader("r"));
    await store.putStepLog("r", sampleStep("before"));
    await store.flush();
    await own.stop();
    await store.putStepLog("r", sampleStep("lost"));
    await expect(store.flush()).rejects.toMatchObject({ code: "E_ENDPOINT_UNREACHABLE", context: { plugin: expect.stringContaining("chunked-minio") } });
    await expect(store.updateRunLog("r", { status: "FAIL" })).rejects.toMatchObject({ code: "E_ENDPOINT_UNREACHABLE" });
    const back = await startS3rver({ port: own.port, directory: own.directory });
    try {
      // The batch that failed is kept and goes out on the next flush.
      await store.close();
      const log = await new ChunkedMinioRunLogStore(config).getRunLog("r");
      expect(Object.keys(log.steps)).toEqual(["before", "lost"]);
      expect(log.status).toBe("FAIL");
    } finally {
      await back.stop({ remove: true });
    }
  }, 60_000);
});
