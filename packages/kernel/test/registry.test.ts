import { createFixtureProject, manifest, pluginModule, type FixturePackage, type FixtureProject, type FixtureSpec } from "@runnable-ts/testing";
import { discoverPlugins } from "../src/discovery";
import { PluginRegistry, type PluginPins } from "../src/registry";

/** A package declaring plugin `kind/name` in `./index.js`, with optional statements run at import. */
const pluginPackage = (kind: string, name: string, prelude = ""): FixturePackage => ({
  packageJson: { runnable: manifest(kind, name, "./index.js#plugin") },
  files: { "index.js": pluginModule({ format: "cjs", exportName: "plugin", kind, name, prelude }) },
});

/** How many times each fixture module was evaluated (they count themselves on `globalThis`). */
const imports = globalThis as unknown as { __registryImports?: Record<string, number> };
const counting = (key: string) => `globalThis.__registryImports ??= {}; globalThis.__registryImports[${JSON.stringify(key)}] = (globalThis.__registryImports[${JSON.stringify(key)}] ?? 0) + 1;`;

describe("PluginRegistry", () => {
  const projects: FixtureProject[] = [];
  afterAll(() => projects.forEach((p) => p.remove()));
  const registryOf = (spec: FixtureSpec, pins: PluginPins = {}, distribution?: FixtureSpec) => {
    const p = createFixtureProject(spec);
    projects.push(p);
    const distributionDirs: string[] = [];
    if (distribution) {
      const d = createFixtureProject(distribution);
      projects.push(d);
      distributionDirs.push(d.dir);
    }
    return new PluginRegistry(discoverPlugins({ projectRoot: p.dir, cwd: p.dir, distributionDirs }), pins);
  };
  const deps = (...names: string[]) => ({ dependencies: Object.fromEntries(names.map((n) => [n, "1"])) });
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error("expected a throw");
  };

  describe("find", () => {
    it("finds a plugin by kind and name; one name under two kinds is no conflict", () => {
      const registry = registryOf({
        packageJson: deps("store-x", "catalog-x"),
        installed: { "store-x": pluginPackage("run-log-store", "x"), "catalog-x": pluginPackage("catalog", "x") },
      });
      expect(registry.find("run-log-store", "x").package).toBe("store-x");
      expect(registry.find("catalog", "x").package).toBe("catalog-x");
      expect(registry.list().problems).toEqual([]);
    });

    it("lists only the known names of the asked kind for an unknown name, or says none are installed", () => {
      const registry = registryOf({
        packageJson: deps("store-a", "catalog-b"),
        installed: { "store-a": pluginPackage("run-log-store", "alpha"), "catalog-b": pluginPackage("catalog", "beta") },
      });
      const error = thrown(() => registry.find("run-log-store", "gamma"));
      expect(error).toMatchObject({ code: "E_PLUGIN_NOT_FOUND", context: { kind: "run-log-store", plugin: "gamma" } });
      expect((error as Error).message).toContain("Known run-log-store plugins: alpha (store-a).");
      expect((error as Error).message).not.toContain("beta");
      expect(() => registry.find("secrets", "vault")).toThrow(/Known secrets plugins: none are installed/);
    });

    it("says why a declared but broken entry of that very name is not available", () => {
      const registry = registryOf({
        packageJson: deps("half-built"),
        installed: { "half-built": { packageJson: { runnable: manifest("catalog", "s3", "./dist/index.js#s3") } } },
      });
      expect(() => registry.find("catalog", "s3")).toThrow(/half-built declares it but: entry file \.\/dist\/index\.js does not exist .*is the package built\?/);
    });

    it("refuses two packages declaring one name, even when one of them is a built-in, naming both and the pin", () => {
      const registry = registryOf(
        { packageJson: deps("my-buffered"), installed: { "my-buffered": pluginPackage("run-log-store", "buffered") } },
        {},
        { packageJson: deps("builtin-buffered"), installed: { "builtin-buffered": pluginPackage("run-log-store", "buffered") } },
      );
      const error = thrown(() => registry.find("run-log-store", "buffered"));
      expect(error).toMatchObject({ code: "E_PLUGIN_CONFLICT", context: { kind: "run-log-store", plugin: "buffered", packages: ["my-buffered", "builtin-buffered"] } });
      expect((error as Error).message).toContain('Pin one in the config file: plugins: { "run-log-store/buffered": "my-buffered" }');
    });
  });

  describe("pins", () => {
    const conflicted = { packageJson: deps("one", "two"), installed: { one: pluginPackage("catalog", "s3"), two: pluginPackage("catalog", "s3") } };

    it("takes the pinned package and no longer lists the conflict as a problem", () => {
      const registry = registryOf(conflicted, { "catalog/s3": "two" });
      expect(registry.find("catalog", "s3").package).toBe("two");
      expect(registry.list().problems).toEqual([]);
    });

    it("lists each unpinned conflict once, next to the manifest problems", () => {
      const registry = registryOf({
        ...conflicted,
        packageJson: deps("one", "two", "bad"),
        installed: { ...conflicted.installed, bad: { packageJson: { runnable: { apiVersion: 2 } } } },
      });
      expect(registry.list().problems).toEqual([
        expect.objectContaining({ code: "E_MANIFEST_INVALID", package: "bad", path: "runnable.apiVersion" }),
        expect.objectContaining({ code: "E_PLUGIN_CONFLICT", package: "one, two", path: "runnable.catalog.s3" }),
      ]);
    });

    it("holds even without a conflict: a pin to another package than the only one declaring the name is refused", () => {
      const registry = registryOf({ packageJson: deps("one"), installed: { one: pluginPackage("catalog", "s3") } }, { "catalog/s3": "elsewhere", "catalog/gcs": "one" });
      expect(thrown(() => registry.find("catalog", "s3"))).toMatchObject({
        code: "E_PLUGIN_NOT_FOUND",
        message: expect.stringContaining('pins catalog/s3 to package "elsewhere", but only one declare it'),
        context: { package: "elsewhere" },
      });
      expect(() => registry.find("catalog", "gcs")).toThrow(/pins catalog\/gcs to package "one", but no package declares it/);
    });
  });

  describe("load", () => {
    it("imports a plugin's module only when it is first asked for, once, however many ask at the same time", async () => {
      const registry = registryOf({
        packageJson: deps("lazy", "other"),
        installed: { lazy: pluginPackage("catalog", "lazy", counting("lazy")), other: pluginPackage("catalog", "other", counting("other")) },
      });
      expect(imports.__registryImports?.lazy).toBeUndefined();
      const [first, second] = await Promise.all([registry.load("catalog", "lazy"), registry.load("catalog", "lazy")]);
      const third = await registry.load("catalog", "lazy");
      expect(first).toBe(second);
      expect(third).toBe(first);
      expect(first.definition).toMatchObject({ kind: "catalog", name: "lazy" });
      expect(first.info).toMatchObject({ package: "lazy", exportName: "plugin" });
      expect(imports.__registryImports?.lazy).toBe(1);
      expect(imports.__registryImports?.other).toBeUndefined();
    });

    it("remembers a failed import: asking again gives the same error without importing again", async () => {
      const registry = registryOf({ packageJson: deps("boom"), installed: { boom: pluginPackage("catalog", "boom", `${counting("boom")}\nthrow new Error("no credentials at import");`) } });
      const first = await registry.load("catalog", "boom").catch((e: unknown) => e);
      expect(first).toMatchObject({ code: "E_PLUGIN_LOAD", context: { kind: "catalog", plugin: "boom", package: "boom" } });
      expect((first as Error).message).toMatch(/Plugin catalog\/boom from boom: importing \.\/index\.js failed: no credentials at import/);
      expect((first as Error & { cause?: Error }).cause?.message).toBe("no credentials at import");
      await expect(registry.load("catalog", "boom")).rejects.toBe(first);
      expect(imports.__registryImports?.boom).toBe(1);
    });

    it("takes module.exports of a CommonJS module whose manifest entry names no export", async () => {
      const registry = registryOf({
        packageJson: deps("whole"),
        installed: {
          whole: {
            packageJson: { runnable: manifest("secrets", "whole", "./index.js") },
            files: { "index.js": pluginModule({ format: "cjs", exportName: "default", kind: "secrets", name: "whole" }) },
          },
        },
      });
      expect((await registry.load("secrets", "whole")).definition).toMatchObject({ kind: "secrets", name: "whole" });
    });

    it.each([
      ["an object without create()", `exports.plugin = { kind: "catalog", name: "shape" };`, /export "plugin" of \.\/index\.js has no "create" function; create it with definePlugin\(\)/],
      ["a function", `exports.plugin = () => ({});`, /export "plugin" of \.\/index\.js is function, not a plugin definition object/],
      ["a configSchema that is not zod", `exports.plugin = { kind: "catalog", create() {}, configSchema: { type: "object" } };`, /has a "configSchema" that is not a zod schema/],
    ])("refuses an export that is %s, naming the export and the file", async (_label, source, message) => {
      const registry = registryOf({
        packageJson: deps("shape"),
        installed: { shape: { packageJson: { runnable: manifest("catalog", "shape", "./index.js#plugin") }, files: { "index.js": source } } },
      });
      const error = await registry.load("catalog", "shape").catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "E_PLUGIN_INVALID", context: { plugin: "shape", file: expect.stringMatching(/shape\/index\.js$/) } });
      expect((error as Error).message).toMatch(message);
    });
  });
});
