import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemCatalog } from "../src/index";

async function* chunks(count: number, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, 97 + (i % 26));
}

describe("FileSystemCatalog.putStream", () => {
  it("stores a stream under its name with the sha256 of the whole, leaving no partial file", async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "runnable-catalog-")));
    const catalog = new FileSystemCatalog(root);
    const entry = await catalog.putStream("r1", "step.attempt1.execution.log", chunks(64, 64 * 1024));
    const stored = readFileSync(join(root, "r1", "step.attempt1.execution.log"));
    expect(stored.length).toBe(64 * 64 * 1024);
    expect(entry).toEqual({ name: "step.attempt1.execution.log", data_hash: createHash("sha256").update(stored).digest("hex"), catalog_relative_path: "r1/step.attempt1.execution.log", stage: "put" });
    expect(readdirSync(join(root, "r1"))).toEqual(["step.attempt1.execution.log"]);
  });

  it("rejects with E_CATALOG and removes the partial file when the stream fails", async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "runnable-catalog-")));
    const catalog = new FileSystemCatalog(root);
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Buffer.from("first part");
      throw new Error("source broke");
    }
    await expect(catalog.putStream("r1", "x.log", failing())).rejects.toMatchObject({ code: "E_CATALOG", message: expect.stringContaining("source broke") });
    expect(existsSync(join(root, "r1", "x.log"))).toBe(false);
    expect(readdirSync(join(root, "r1"))).toEqual([]);
  });

  it("refuses names that leave the run's folder", async () => {
    const catalog = new FileSystemCatalog(realpathSync(mkdtempSync(join(tmpdir(), "runnable-catalog-"))));
    await expect(catalog.putStream("r1", "../escape.log", chunks(1, 1))).rejects.toMatchObject({ code: "E_CATALOG" });
  });
});
