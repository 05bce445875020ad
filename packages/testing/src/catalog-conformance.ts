import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { CatalogService } from "@runnable-ts/sdk";

/** How the catalog conformance suite gets catalogs of the plugin under test. */
export interface CatalogConformanceOptions {
  /** A catalog on a fresh, empty location. Called once per test. */
  create(): Promise<CatalogService> | CatalogService;
}

function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "catalog-cwd-")));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

/**
 * Declares a jest `describe` block that checks a catalog plugin against the contract every
 * catalog of runnable-ts meets: put and get by glob, sha256 per file, exact bytes, missing
 * matches, `storeCopy`, bytes by name, and containment (no `..`, no absolute pattern, no symlink
 * leading out of the working directory, for put and for get). Call it from a jest test file:
 *
 * @example
 * describeCatalogConformance("my-catalog", { create: () => new MyCatalog(freshLocation()) });
 */
export function describeCatalogConformance(name: string, options: CatalogConformanceOptions): void {
  describe(`catalog conformance: ${name}`, () => {
    it("puts files matching globs with their sha256, and gets them back byte for byte in another working directory", async () => {
      const catalog = await options.create();
      const binary = randomBytes(200_000);
      const source = workdir({ "data/a.csv": "a,b\n1,2\n", "data/deep/b.csv": "x\n", "data/c.txt": "no", "blob.bin": binary });
      const put = await catalog.put({ runId: "r", patterns: ["data/**/*.csv", "blob.bin"], cwd: source });
      expect(put.map((e) => e.name).sort()).toEqual(["blob.bin", "data/a.csv", "data/deep/b.csv"]);
      expect(put.find((e) => e.name === "blob.bin")).toMatchObject({ stage: "put", data_hash: sha256(binary) });
      expect(put.find((e) => e.name === "data/a.csv")!.data_hash).toBe(sha256("a,b\n1,2\n"));
      const target = workdir();
      const got = await catalog.get({ runId: "r", patterns: ["data/**", "*.bin"], cwd: target });
      expect(got.map((e) => e.name).sort()).toEqual(["blob.bin", "data/a.csv", "data/deep/b.csv"]);
      expect(got.every((e) => e.stage === "get")).toBe(true);
      expect(readFileSync(join(target, "blob.bin")).equals(binary)).toBe(true);
      expect(readFileSync(join(target, "data/deep/b.csv"), "utf8")).toBe("x\n");
    });

    it("keeps runs apart", async () => {
      const catalog = await options.create();
      await catalog.put({ runId: "one", patterns: ["f.txt"], cwd: workdir({ "f.txt": "1" }) });
      await expect(catalog.get({ runId: "two", patterns: ["f.txt"], cwd: workdir() })).rejects.toMatchObject({ code: "E_CATALOG" });
    });

    it("rejects a pattern matching nothing with E_CATALOG, unless missing matches are allowed", async () => {
      const catalog = await options.create();
      const cwd = workdir({ "x.txt": "x" });
      await expect(catalog.put({ runId: "r", patterns: ["*.csv"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      await expect(catalog.get({ runId: "r", patterns: ["*.csv"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      expect(await catalog.put({ runId: "r", patterns: ["*.csv"], cwd, allowMissing: true })).toEqual([]);
    });

    it("only hashes with storeCopy: false", async () => {
      const catalog = await options.create();
      const put = await catalog.put({ runId: "r", patterns: ["f.txt"], cwd: workdir({ "f.txt": "kept here" }), storeCopy: false });
      expect(put).toEqual([expect.objectContaining({ name: "f.txt", data_hash: sha256("kept here") })]);
      await expect(catalog.get({ runId: "r", patterns: ["f.txt"], cwd: workdir() })).rejects.toMatchObject({ code: "E_CATALOG" });
    });

    it("stores bytes by name and reads them back; an unknown name is E_CATALOG", async () => {
      const catalog = await options.create();
      const data = new Uint8Array(randomBytes(1000));
      const entry = await catalog.putBytes("r", "step.execution.log", data);
      expect(entry).toMatchObject({ name: "step.execution.log", data_hash: sha256(data), stage: "put" });
      expect(Buffer.from(await catalog.getBytes("r", "step.execution.log")).equals(Buffer.from(data))).toBe(true);
      await expect(catalog.getBytes("r", "nope.log")).rejects.toMatchObject({ code: "E_CATALOG" });
      // Execution logs are not data: a get of everything does not bring them into the working directory.
      await catalog.put({ runId: "r", patterns: ["d.txt"], cwd: workdir({ "d.txt": "d" }) });
      expect((await catalog.get({ runId: "r", patterns: ["**/*"], cwd: workdir() })).map((e) => e.name)).toEqual(["d.txt"]);
    });

    it("refuses patterns that leave the working directory or the catalog", async () => {
      const catalog = await options.create();
      const cwd = workdir({ "f.txt": "f" });
      for (const pattern of ["../f.txt", "/etc/passwd", "a/../../f.txt"]) {
        await expect(catalog.put({ runId: "r", patterns: [pattern], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
        await expect(catalog.get({ runId: "r", patterns: [pattern], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      }
      await expect(catalog.putBytes("r", "../escape.log", new Uint8Array(1))).rejects.toMatchObject({ code: "E_CATALOG" });
    });

    it("does not follow a symlink out of the working directory on put (a file or a folder)", async () => {
      const catalog = await options.create();
      const outside = workdir({ "secret.txt": "outside", "dir/inner.txt": "outside too" });
      const cwd = workdir({ "ok.txt": "ok" });
      symlinkSync(join(outside, "secret.txt"), join(cwd, "link.txt"));
      symlinkSync(join(outside, "dir"), join(cwd, "linked-dir"), "dir");
      await expect(catalog.put({ runId: "r", patterns: ["link.txt"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      await expect(catalog.put({ runId: "r", patterns: ["linked-dir/*.txt"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      await expect(catalog.put({ runId: "r", patterns: ["*.txt"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      await expect(catalog.get({ runId: "r", patterns: ["**/*"], cwd: workdir(), allowMissing: true })).resolves.toEqual([]);
    });

    it("does not write through a symlink out of the working directory on get", async () => {
      const catalog = await options.create();
      await catalog.put({ runId: "r", patterns: ["out/f.txt", "g.txt"], cwd: workdir({ "out/f.txt": "from catalog", "g.txt": "g" }) });
      const outside = workdir({ "g.txt": "must stay" });
      const cwd = workdir();
      symlinkSync(outside, join(cwd, "out"), "dir");
      symlinkSync(join(outside, "g.txt"), join(cwd, "g.txt"));
      await expect(catalog.get({ runId: "r", patterns: ["out/f.txt"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      await expect(catalog.get({ runId: "r", patterns: ["g.txt"], cwd })).rejects.toMatchObject({ code: "E_CATALOG" });
      expect(readFileSync(join(outside, "g.txt"), "utf8")).toBe("must stay");
      expect(() => readFileSync(join(outside, "f.txt"))).toThrow();
    });
  });
}
