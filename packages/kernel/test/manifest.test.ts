import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest } from "../src/manifest";

describe("parseManifest", () => {
  const dir = mkdtempSync(join(tmpdir(), "manifest-"));
  mkdirSync(join(dir, "dist"));
  writeFileSync(join(dir, "dist", "a.js"), "");

  it("reads entries with and without an export name", () => {
    const { entries, problems } = parseManifest(
      { apiVersion: 1, catalog: { s3: "./dist/a.js#S3Catalog" }, secrets: { vault: "./dist/a.js" } },
      "@acme/x",
      dir,
    );
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { kind: "catalog", name: "s3", entry: "./dist/a.js#S3Catalog", file: join(dir, "dist", "a.js"), exportName: "S3Catalog" },
      { kind: "secrets", name: "vault", entry: "./dist/a.js", file: join(dir, "dist", "a.js"), exportName: "default" },
    ]);
  });

  it.each([
    ["a field of the wrong type", "not-an-object", "runnable", /must be an object/],
    ["a missing apiVersion", { catalog: {} }, "runnable.apiVersion", /must be 1/],
    ["an unsupported apiVersion", { apiVersion: 2 }, "runnable.apiVersion", /must be 1, got number 2/],
  ])("reports %s with the package and the field path", (_label, field, path, message) => {
    const { entries, problems } = parseManifest(field, "@acme/x", dir);
    expect(entries).toEqual([]);
    expect(problems).toEqual([{ code: "E_MANIFEST_INVALID", package: "@acme/x", path, message: expect.stringMatching(message) }]);
  });

  it("reports each bad entry and keeps the good ones", () => {
    const { entries, problems } = parseManifest(
      {
        apiVersion: 1,
        executors: { x: "./dist/a.js" },
        catalog: ["./dist/a.js"],
        secrets: { good: "./dist/a.js#ok", missing: "./dist/nope.js#x", num: 3, abs: "/etc/passwd", bad: "./dist/a.js#not-valid", "a.b": "./dist/a.js" },
      },
      "@acme/x",
      dir,
    );
    expect(entries.map((e) => e.name)).toEqual(["good"]);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath["runnable.executors"]).toMatch(/unknown plugin kind "executors"; known kinds: pipeline-executor/);
    expect(byPath["runnable.catalog"]).toMatch(/must map plugin names/);
    expect(byPath["runnable.secrets.missing"]).toMatch(/entry file \.\/dist\/nope\.js does not exist/);
    expect(byPath["runnable.secrets.num"]).toMatch(/must be a string/);
    expect(byPath["runnable.secrets.abs"]).toMatch(/relative to the package root/);
    expect(byPath["runnable.secrets.bad"]).toMatch(/invalid export "not-valid"/);
    expect(byPath["runnable.secrets.a.b"]).toMatch(/may contain only/);
    expect(problems.every((p) => p.package === "@acme/x")).toBe(true);
  });

  it("refuses an entry that climbs out of the package", () => {
    const { problems } = parseManifest({ apiVersion: 1, catalog: { up: "./../outside.js" } }, "p", dir);
    expect(problems[0]?.message).toMatch(/outside the package/);
  });
});
