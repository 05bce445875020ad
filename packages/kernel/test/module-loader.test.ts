import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createFixtureProject, type FixtureProject } from "@runnable-ts/testing";
import { isCommonJs, loadModule } from "../src/module-loader";

/** The built kernel: ES modules are loaded by spawning node on it (jest runs tests as CommonJS and cannot `import()`). */
const KERNEL_DIST = join(__dirname, "..", "dist", "index.js");

interface Loaded {
  keys?: string[];
  values?: Record<string, unknown>;
  defaultValue?: unknown;
  sameNamespace?: boolean;
  error?: string;
}

/** Loads `file` twice through the built kernel's `loadModule` in a fresh node process and describes the namespace. */
function loadInNode(file: string): Loaded {
  const script = `
    const { loadModule } = require(${JSON.stringify(KERNEL_DIST)});
    const show = (v) => (typeof v === "function" ? "function" : v);
    (async () => {
      const ns = await loadModule(process.argv[1]);
      const again = await loadModule(process.argv[1]);
      const values = Object.fromEntries(Object.keys(ns).map((k) => [k, show(ns[k])]));
      console.log(JSON.stringify({ keys: Object.keys(ns).sort(), values, defaultValue: show(ns.default), sameNamespace: ns === again }));
    })().catch((error) => console.log(JSON.stringify({ error: String(error && error.message) })));
  `;
  const result = spawnSync(process.execPath, ["-e", script, file], { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`node exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Loaded;
}

describe("module loader", () => {
  let project: FixtureProject;
  beforeAll(() => {
    project = createFixtureProject({
      files: {
        // CommonJS shapes.
        "cjs/named.js": `exports.plugin = { name: "p" };\nexports.other = 2;\n`,
        "cjs/function.js": `function create() {}\ncreate.version = 3;\nmodule.exports = create;\n`,
        "cjs/transpiled.js": `Object.defineProperty(exports, "__esModule", { value: true });\nexports.default = "the default";\nexports.named = 1;\n`,
        "cjs/primitive.js": `module.exports = 42;\n`,
        "cjs/null.js": `module.exports = null;\n`,
        "cjs/counted.js": `globalThis.__moduleLoaderCount = (globalThis.__moduleLoaderCount ?? 0) + 1;\nexports.count = globalThis.__moduleLoaderCount;\n`,
        // A package with "type": "module", and the files inside it that are CommonJS all the same.
        "esm-pkg/package.json": JSON.stringify({ name: "esm-pkg", type: "module" }),
        "esm-pkg/tla.js": `export const value = await Promise.resolve(42);\nexport default "esm default";\n`,
        "esm-pkg/throws.js": `await Promise.resolve();\nthrow new Error("broken at import");\n`,
        "esm-pkg/uses-dep.js": `import helper from "cjs-helper";\nexport const fromHelper = helper.value;\n`,
        "esm-pkg/node_modules/cjs-helper/package.json": JSON.stringify({ name: "cjs-helper", main: "index.js" }),
        "esm-pkg/node_modules/cjs-helper/index.js": `exports.value = "helper from esm-pkg/node_modules";\n`,
        "esm-pkg/legacy.cjs": `exports.legacy = true;\n`,
        "esm-pkg/nested/package.json": JSON.stringify({ name: "nested" }),
        "esm-pkg/nested/plain.js": `exports.nested = true;\n`,
        "standalone.mjs": `export const named = "n";\nexport default { kind: "catalog" };\n`,
        // CommonJS resolving its own dependency from where it is installed.
        "vendor/lib/package.json": JSON.stringify({ name: "lib" }),
        "vendor/lib/index.js": `exports.dep = require("only-here").value;\n`,
        "vendor/lib/node_modules/only-here/index.js": `exports.value = "resolved beside lib";\n`,
      },
    });
  });
  afterAll(() => project.remove());
  const at = (path: string) => join(project.dir, path);

  describe("isCommonJs: as Node decides from the extension and the nearest package.json", () => {
    it.each([
      ["cjs/named.js", true, "a .js file under a package.json without type"],
      ["esm-pkg/tla.js", false, 'a .js file in a "type": "module" package'],
      ["esm-pkg/legacy.cjs", true, 'a .cjs file in a "type": "module" package'],
      ["esm-pkg/nested/plain.js", true, "a .js file whose nearest package.json (without type) is inside a module package"],
      ["standalone.mjs", false, "a .mjs file"],
      ["esm-pkg/module.ts", false, 'a .ts file in a "type": "module" package'],
      ["cjs/file.ts", true, "a .ts file under a package.json without type"],
      ["esm-pkg/file.cts", true, "a .cts file"],
      ["cjs/file.mts", false, "a .mts file"],
      ["cjs/data.json", false, "a .json file"],
    ])("%s → %s (%s)", (path, expected) => {
      expect(isCommonJs(at(path))).toBe(expected);
    });
  });

  describe("CommonJS (require through createRequire)", () => {
    it("gives the named exports, and module.exports as a default kept out of the listed keys", async () => {
      const ns = await loadModule(at("cjs/named.js"));
      expect(Object.keys(ns).sort()).toEqual(["other", "plugin"]);
      expect(ns.plugin).toEqual({ name: "p" });
      expect(ns.default).toEqual({ plugin: { name: "p" }, other: 2 });
    });

    it("gives a function's properties as named exports and the function as default", async () => {
      const ns = await loadModule(at("cjs/function.js"));
      expect(typeof ns.default).toBe("function");
      expect(ns.version).toBe(3);
    });

    it("takes a transpiled ES module (__esModule) as it is, its default being exports.default", async () => {
      const ns = await loadModule(at("cjs/transpiled.js"));
      expect(ns.default).toBe("the default");
      expect(ns.named).toBe(1);
    });

    it.each([
      ["cjs/primitive.js", 42],
      ["cjs/null.js", null],
    ])("gives no named exports for %s, module.exports being the default", async (path, value) => {
      const ns = await loadModule(at(path));
      expect(Object.keys(ns)).toEqual([]);
      expect(ns.default).toBe(value);
    });

    it("resolves the module's own dependencies from where it is installed", async () => {
      expect((await loadModule(at("vendor/lib/index.js"))).dep).toBe("resolved beside lib");
    });

    it("evaluates a module once however often it is loaded", async () => {
      const first = await loadModule(at("cjs/counted.js"));
      const second = await loadModule(at("cjs/counted.js"));
      expect(first.count).toBe(1);
      expect(second.default).toBe(first.default);
    });

    it("loads a .cjs file inside a module package with require", async () => {
      expect((await loadModule(at("esm-pkg/legacy.cjs"))).legacy).toBe(true);
    });
  });

  describe("ES modules (real import(), in a node process on the built kernel)", () => {
    it("loads a module with top-level await, which require() cannot, once", () => {
      expect(loadInNode(at("esm-pkg/tla.js"))).toEqual({
        keys: ["default", "value"],
        values: { default: "esm default", value: 42 },
        defaultValue: "esm default",
        sameNamespace: true,
      });
    });

    it("loads a .mjs file outside any module package, with its default and named exports", () => {
      expect(loadInNode(at("standalone.mjs"))).toMatchObject({ keys: ["default", "named"], defaultValue: { kind: "catalog" } });
    });

    it("lets an ES module import a CommonJS dependency resolved from its own folder", () => {
      expect(loadInNode(at("esm-pkg/uses-dep.js")).values).toEqual({ fromHelper: "helper from esm-pkg/node_modules" });
    });

    it("rejects with the module's own error when it throws at import", () => {
      expect(loadInNode(at("esm-pkg/throws.js"))).toEqual({ error: "broken at import" });
    });

    it("still loads CommonJS through require in the built kernel (module.exports as default)", () => {
      expect(loadInNode(at("cjs/function.js"))).toMatchObject({ keys: ["version"], defaultValue: "function", sameNamespace: false });
    });
  });
});
