import { createRequire } from "node:module";
import { join } from "node:path";
import { SERVICE_TOKENS } from "@runnable-ts/sdk";
import { createFixtureProject, createTestKernel, manifest, pluginModule, type FixtureProject } from "@runnable-ts/testing";

const store = (name: string, exportName = "plugin", extra: Partial<Parameters<typeof pluginModule>[0]> = {}) =>
  pluginModule({ format: "cjs", exportName, kind: "run-log-store", name, create: `{ store: ${JSON.stringify(name)}, config }`, ...extra });

const storePackage = (name: string, files: Record<string, string> = { "index.js": store(name) }, entry = "./index.js#plugin") => ({
  packageJson: { main: "index.js", runnable: manifest("run-log-store", name, entry) },
  files,
});

describe("Kernel: discovery and loading from real fixture projects", () => {
  const projects: FixtureProject[] = [];
  const project = (spec: Parameters<typeof createFixtureProject>[0]) => {
    const p = createFixtureProject(spec);
    projects.push(p);
    return p;
  };
  afterAll(() => projects.forEach((p) => p.remove()));

  it("loads a CommonJS plugin from a declared dependency, written in plain JS without the SDK", async () => {
    const p = project({ packageJson: { dependencies: { "cjs-store": "1" } }, installed: { "cjs-store": storePackage("cjs") } });
    const kernel = await createTestKernel({ cwd: p.dir });
    const loaded = await kernel.registry.load("run-log-store", "cjs");
    expect(loaded.info).toMatchObject({ package: "cjs-store", version: "1.0.0", source: "dependency" });
    expect(loaded.definition.kind).toBe("run-log-store");
  });

  it("loads a scoped package that does not export ./package.json and uses definePlugin with a zod schema", async () => {
    const p = project({
      packageJson: { devDependencies: { "@acme/store": "1" } },
      installed: {
        "@acme/store": {
          packageJson: { exports: { ".": "./lib/index.js" }, runnable: manifest("run-log-store", "acme", "./lib/index.js#acmeStore") },
          files: {
            "lib/index.js": pluginModule({
              format: "cjs", exportName: "acmeStore", kind: "run-log-store", name: "acme", useSdk: true,
              configSchema: "z.object({ bucket: z.string() })", create: "{ bucket: config.bucket }",
            }),
          },
        },
      },
      link: ["@runnable-ts/sdk"],
      files: { "runnable-config.yaml": "run-log-store: { type: acme, config: { bucket: b1 } }\n" },
    });
    expect(() => createRequire(join(p.dir, "package.json")).resolve("@acme/store/package.json")).toThrow();
    const kernel = await createTestKernel({ cwd: p.dir });
    const run = await kernel.createRun();
    expect(run.get("run-log-store")).toEqual({ bucket: "b1" });
  });

  it("loads a plugin declared by the project's own package.json", async () => {
    const p = project({
      packageJson: { runnable: manifest("secrets", "vault", "./tools/vault.js#vault") },
      files: { "tools/vault.js": pluginModule({ format: "cjs", exportName: "vault", kind: "secrets", name: "vault" }) },
    });
    const kernel = await createTestKernel({ cwd: p.dir });
    expect((await kernel.registry.load("secrets", "vault")).info).toMatchObject({ package: "fixture-project", source: "project" });
  });

  it("loads a workspace package's plugin when the project root is a workspace root", async () => {
    const p = project({
      packageJson: { workspaces: ["packages/*"] },
      files: {
        "packages/ws-store/package.json": JSON.stringify({ name: "ws-store", version: "2.0.0", runnable: manifest("run-log-store", "ws", "./index.js#plugin") }),
        "packages/ws-store/index.js": store("ws"),
        "packages/not-a-plugin/package.json": JSON.stringify({ name: "nothing" }),
      },
    });
    const kernel = await createTestKernel({ cwd: p.dir });
    expect((await kernel.registry.load("run-log-store", "ws")).info).toMatchObject({ package: "ws-store", version: "2.0.0", source: "workspace" });
  });

  it("loads a plugin reachable from the project root but not from the kernel's own folder", async () => {
    const p = project({ packageJson: { dependencies: { "far-store": "1" } }, installed: { "far-store": storePackage("far") } });
    expect(() => require.resolve("far-store")).toThrow();
    const kernel = await createTestKernel({ cwd: p.dir });
    await expect(kernel.registry.load("run-log-store", "far")).resolves.toBeDefined();
  });

  it("loads a plugin's own dependencies from where the plugin is installed", async () => {
    const p = project({
      packageJson: { dependencies: { "dep-store": "1" } },
      installed: {
        "dep-store": storePackage("dep", { "index.js": `const helper = require("helper-lib");\n${store("dep", "plugin", { create: "{ helper: helper.value }" })}` }),
        "helper-lib": { packageJson: { main: "index.js" }, files: { "index.js": "exports.value = 42;" } },
      },
    });
    const kernel = await createTestKernel({ cwd: p.dir, configFile: undefined, defaults: { "run-log-store": "dep" } });
    expect((await kernel.createRun()).get("run-log-store")).toEqual({ helper: 42 });
  });

  it("finds plugins listed under plugins: in the config, by package name and by path", async () => {
    const p = project({
      installed: { "listed-store": storePackage("listed") },
      files: {
        "tools/local/package.json": JSON.stringify({ name: "local-tools", runnable: manifest("catalog", "local", "./c.js#plugin") }),
        "tools/local/c.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "local" }),
        "runnable-config.yaml": 'plugins: [ "listed-store", "./tools/local" ]\n',
      },
    });
    const kernel = await createTestKernel({ cwd: p.dir });
    expect(kernel.registry.find("run-log-store", "listed").source).toBe("config");
    expect(kernel.registry.find("catalog", "local").package).toBe("local-tools");
  });

  it("reports a plugins: entry that is not installed before anything runs", async () => {
    const p = project({ files: { "runnable-config.yaml": 'plugins: [ "@acme/absent" ]\n' } });
    await expect(createTestKernel({ cwd: p.dir })).rejects.toMatchObject({ code: "E_CONFIG_INVALID", message: expect.stringMatching(/npm install @acme\/absent/) });
  });

  it("imports nothing until a plugin is asked for, then only that plugin", async () => {
    const p = project({
      packageJson: { dependencies: { "lazy-a": "1", "lazy-b": "1" } },
      installed: {
        "lazy-a": storePackage("a", { "index.js": `globalThis.__loadedA = true;\n${store("a")}` }),
        "lazy-b": storePackage("b", { "index.js": `globalThis.__loadedB = true;\n${store("b")}` }),
      },
    });
    const g = globalThis as { __loadedA?: boolean; __loadedB?: boolean };
    const kernel = await createTestKernel({ cwd: p.dir });
    expect(kernel.registry.list().plugins.map((x) => x.name).sort()).toEqual(["a", "b"]);
    expect(g.__loadedA).toBeUndefined();
    await kernel.registry.load("run-log-store", "b");
    expect(g.__loadedA).toBeUndefined();
    expect(g.__loadedB).toBe(true);
  });

  describe("conflicts and unknown names", () => {
    const conflicted = () =>
      project({
        packageJson: { dependencies: { "@acme/s3": "1", "other-s3": "1" } },
        installed: { "@acme/s3": storePackage("s3"), "other-s3": storePackage("s3") },
      });

    it("names both packages and the pin that resolves it", async () => {
      const kernel = await createTestKernel({ cwd: conflicted().dir });
      const error = await kernel.registry.load("run-log-store", "s3").catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "E_PLUGIN_CONFLICT" });
      expect((error as Error).message).toContain('"@acme/s3" and "other-s3"');
      expect((error as Error).message).toContain('plugins: { "run-log-store/s3": "@acme/s3" }');
      expect(kernel.registry.list().problems).toEqual([expect.objectContaining({ code: "E_PLUGIN_CONFLICT", package: "@acme/s3, other-s3" })]);
    });

    it("uses the pinned package", async () => {
      const p = conflicted();
      p.write("runnable-config.yaml", 'plugins: { "run-log-store/s3": "other-s3" }\nrun-log-store: s3\n');
      const kernel = await createTestKernel({ cwd: p.dir });
      expect(kernel.registry.find("run-log-store", "s3").package).toBe("other-s3");
      expect(kernel.registry.list().problems).toEqual([]);
    });

    it("refuses a pin to a package that does not declare the plugin", async () => {
      const p = conflicted();
      p.write("runnable-config.yaml", 'plugins: { "run-log-store/s3": "nobody" }\n');
      const kernel = await createTestKernel({ cwd: p.dir });
      expect(() => kernel.registry.find("run-log-store", "s3")).toThrow(/pins run-log-store\/s3 to package "nobody", but only @acme\/s3, other-s3/);
    });

    it("lists the known names of the kind with their packages for an unknown name", async () => {
      const p = project({
        packageJson: { dependencies: { "store-a": "1", "store-b": "1" } },
        installed: { "store-a": storePackage("alpha"), "store-b": storePackage("beta") },
        files: { "runnable-config.yaml": "run-log-store: gamma\n" },
      });
      const kernel = await createTestKernel({ cwd: p.dir });
      const error = await kernel.createRun().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "E_PLUGIN_NOT_FOUND", context: { kind: "run-log-store", plugin: "gamma" } });
      expect((error as Error).message).toContain("Known run-log-store plugins: alpha (store-a), beta (store-b)");
    });
  });

  describe("broken plugins", () => {
    const broken = () =>
      project({
        packageJson: { dependencies: { good: "1", bad: "1", throws: "1", "wrong-kind": "1", "no-export": "1", "factory-throws": "1" } },
        installed: {
          good: storePackage("good"),
          bad: { packageJson: { runnable: { apiVersion: 1, catalog: { x: "./missing.js#x" }, bogus: {} } } },
          throws: storePackage("throws", { "index.js": `throw new Error("kaboom at import");` }),
          "wrong-kind": storePackage("wrongkind", { "index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "x" }) }),
          "no-export": storePackage("noexport", { "index.js": `exports.other = 1;` }),
          "factory-throws": storePackage("factorythrows", {
            "index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "run-log-store", name: "factorythrows", create: `(() => { throw new Error("no bucket"); })()` }),
          }),
        },
      });

    it("lists the good plugins and names package, field path and problem for the bad manifest", async () => {
      const kernel = await createTestKernel({ cwd: broken().dir });
      const { plugins, problems } = kernel.registry.list();
      expect(plugins.map((x) => x.name).sort()).toEqual(["factorythrows", "good", "noexport", "throws", "wrongkind"]);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ package: "bad", path: "runnable.catalog.x", message: expect.stringMatching(/does not exist/) }),
          expect.objectContaining({ package: "bad", path: "runnable.bogus", message: expect.stringMatching(/unknown plugin kind/) }),
        ]),
      );
    });

    it("mentions the manifest problem when the broken plugin is asked for", async () => {
      const kernel = await createTestKernel({ cwd: broken().dir });
      expect(() => kernel.registry.find("catalog", "x")).toThrow(/bad declares it but: entry file \.\/missing\.js does not exist/);
    });

    it.each([
      ["throws at import", "throws", "E_PLUGIN_LOAD", /Plugin run-log-store\/throws from throws: importing \.\/index\.js failed: kaboom at import/],
      ["exports a plugin of another kind", "wrongkind", "E_PLUGIN_INVALID", /is a catalog plugin but the manifest lists it under run-log-store/],
      ["lacks the named export", "noexport", "E_PLUGIN_INVALID", /names export "plugin", which \.\/index\.js does not export \(exports: other\)/],
    ])("names the plugin when its module %s", async (_label, name, code, message) => {
      const kernel = await createTestKernel({ cwd: broken().dir });
      const error = await kernel.registry.load("run-log-store", name).catch((e: unknown) => e);
      expect(error).toMatchObject({ code, context: { plugin: name, path: `runnable.run-log-store.${name}` } });
      expect((error as Error).message).toMatch(message);
      // A failed load is never turned into a registered plugin by asking again.
      await expect(kernel.registry.load("run-log-store", name)).rejects.toMatchObject({ code });
    });

    it("names the plugin whose factory throws and leaves nothing registered", async () => {
      const p = broken();
      p.write("runnable-config.yaml", "secrets: good-secrets\nrun-log-store: factorythrows\n");
      p.write("node_modules/good-secrets/package.json", JSON.stringify({ name: "good-secrets", runnable: manifest("secrets", "good-secrets", "./i.js#plugin") }));
      p.write("node_modules/good-secrets/i.js", pluginModule({ format: "cjs", exportName: "plugin", kind: "secrets", name: "good-secrets" }));
      p.write("package.json", JSON.stringify({ name: "fx", dependencies: { "factory-throws": "1", "good-secrets": "1" } }));
      const kernel = await createTestKernel({ cwd: p.dir });
      const error = await kernel.createRun().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "E_PLUGIN_FACTORY", context: { plugin: "run-log-store/factorythrows (factory-throws)" } });
      expect((error as Error).message).toMatch(/create\(\) threw: no bucket/);
      expect((error as Error & { cause?: Error }).cause?.message).toBe("no bucket");
      // Nothing half-made is kept: the same kernel fails the same way again rather than
      // handing out a partly built run, and a fixed config gives a clean, complete run.
      await expect(kernel.createRun()).rejects.toMatchObject({ code: "E_PLUGIN_FACTORY" });
      p.write("runnable-config.yaml", "secrets: good-secrets\n");
      const fixed = await (await createTestKernel({ cwd: p.dir })).createRun();
      expect(fixed.container.isRegistered(SERVICE_TOKENS["run-log-store"], true)).toBe(false);
      expect(fixed.get("secrets")).toEqual({ plugin: "good-secrets", config: {} });
    });
  });

  describe("configuration and DI", () => {
    const twoStores = () =>
      project({
        packageJson: { dependencies: { "store-one": "1", "store-two": "1" } },
        installed: {
          "store-one": storePackage("one"),
          "store-two": {
            packageJson: { main: "index.js", runnable: manifest("run-log-store", "two", "./index.js#plugin") },
            files: {
              "index.js": pluginModule({
                format: "cjs", exportName: "plugin", kind: "run-log-store", name: "two",
                configSchema: "z.object({ log_folder: z.string().default('.logs'), depth: z.number().int().optional() })",
                create: "{ store: 'two', folder: config.log_folder, secrets: deps.get('secrets') }",
              }),
            },
          },
          "sec": {
            packageJson: { runnable: manifest("secrets", "sec", "./index.js#plugin") },
            files: { "index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "secrets", name: "sec", create: "{ id: Math.random() }" }) },
          },
        },
        link: ["@runnable-ts/sdk"],
      });

    it("switches the run-log store by changing only the config file", async () => {
      const p = twoStores();
      p.write("package.json", JSON.stringify({ name: "fx", dependencies: { "store-one": "1", "store-two": "1", sec: "1" } }));
      p.write("runnable-config.yaml", "run-log-store: { type: one }\nsecrets: sec\n");
      expect((await (await createTestKernel({ cwd: p.dir })).createRun()).get("run-log-store")).toMatchObject({ store: "one" });
      p.write("runnable-config.yaml", "run-log-store: { type: two, config: { log_folder: /tmp/x } }\nsecrets: sec\n");
      const run = await (await createTestKernel({ cwd: p.dir })).createRun();
      expect(run.get("run-log-store")).toMatchObject({ store: "two", folder: "/tmp/x" });
      // The store got its collaborator by injection: the same secrets instance as the run's.
      expect((run.get("run-log-store") as unknown as { secrets: unknown }).secrets).toBe(run.get("secrets"));
    });

    it("rejects an unknown plugin config key, naming plugin, key path and file", async () => {
      const p = twoStores();
      p.write("runnable-config.yaml", "run-log-store: { type: two, config: { log_folder: x, colour: red } }\n");
      const error = await (await createTestKernel({ cwd: p.dir })).createRun().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "E_CONFIG_INVALID", context: { path: "run-log-store.config.colour", file: `${p.dir}/runnable-config.yaml` } });
      expect((error as Error).message).toMatch(/Plugin run-log-store\/two \(store-two\): unknown config key "colour"/);
    });

    it("rejects config keys for a plugin without a schema, and a wrongly typed value", async () => {
      const p = twoStores();
      p.write("runnable-config.yaml", "run-log-store: { type: one, config: { anything: 1 } }\n");
      await expect((await createTestKernel({ cwd: p.dir })).createRun()).rejects.toMatchObject({ context: { path: "run-log-store.config.anything" } });
      p.write("runnable-config.yaml", "run-log-store: { type: two, config: { depth: deep } }\n");
      await expect((await createTestKernel({ cwd: p.dir })).createRun()).rejects.toMatchObject({
        code: "E_CONFIG_INVALID",
        context: { path: "run-log-store.config.depth" },
      });
    });

    it("gives two runs separate child containers and separate plugin instances", async () => {
      const p = twoStores();
      p.write("package.json", JSON.stringify({ name: "fx", dependencies: { "store-one": "1", sec: "1" } }));
      p.write("runnable-config.yaml", "run-log-store: one\nsecrets: sec\n");
      const kernel = await createTestKernel({ cwd: p.dir });
      const [a, b] = await Promise.all([kernel.createRun(), kernel.createRun()]);
      expect(a.container).not.toBe(b.container);
      expect(a.get("run-log-store")).not.toBe(b.get("run-log-store"));
      expect(a.get("secrets")).not.toBe(b.get("secrets"));
      expect(a.get("secrets")).toBe(a.get("secrets"));
    });

    it("shares one instance between runs when the plugin declares itself a singleton", async () => {
      const p = project({
        packageJson: { dependencies: { single: "1" } },
        installed: {
          single: {
            packageJson: { runnable: manifest("run-log-store", "single", "./i.js#plugin") },
            files: { "i.js": `exports.plugin = { kind: "run-log-store", name: "single", singleton: true, create: () => ({ id: Math.random() }) };` },
          },
        },
        files: { "runnable-config.yaml": "run-log-store: single\n" },
      });
      const kernel = await createTestKernel({ cwd: p.dir });
      expect((await kernel.createRun()).get("run-log-store")).toBe((await kernel.createRun()).get("run-log-store"));
    });

    it("creates non-service plugins (task and node types) per run with validated config", async () => {
      const p = project({
        packageJson: { runnable: manifest("task", "notebook", "./t.js#plugin") },
        files: { "t.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "task", name: "notebook", create: "{ type: 'notebook' }" }) },
      });
      const run = await (await createTestKernel({ cwd: p.dir })).createRun();
      await expect(run.create("task", "notebook")).resolves.toEqual({ type: "notebook" });
      await expect(run.create("task", "notebook", { extra: 1 })).rejects.toMatchObject({ code: "E_CONFIG_INVALID" });
      await expect(run.create("node", "notebook")).rejects.toMatchObject({ code: "E_PLUGIN_NOT_FOUND" });
    });
  });
});
