import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { createFixtureProject, manifest, pluginModule, writePackage, type FixturePackage, type FixtureProject, type FixtureSpec } from "@runnable-ts/testing";
import { discoverPlugins, pluginsOfKind, type DiscoveryResult } from "../src/discovery";

/** A package declaring one catalog plugin `name` in `./index.js`. */
const catalogPackage = (name: string, extra: Record<string, unknown> = {}): FixturePackage => ({
  packageJson: { runnable: manifest("catalog", name, "./index.js#plugin"), ...extra },
  files: { "index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name }) },
});

const names = (result: DiscoveryResult) => result.plugins.map((p) => `${p.source}:${p.name}`);

describe("discoverPlugins", () => {
  const projects: FixtureProject[] = [];
  const project = (spec: FixtureSpec) => {
    const p = createFixtureProject(spec);
    projects.push(p);
    return p;
  };
  afterAll(() => projects.forEach((p) => p.remove()));

  it("lists sources in order: the project, its dependencies field by field, workspaces, config plugins:, then built-ins", () => {
    const distribution = project({
      packageJson: { name: "the-distribution", dependencies: { "builtin-pkg": "1" } },
      installed: { "builtin-pkg": catalogPackage("builtin") },
    });
    const p = project({
      packageJson: {
        runnable: manifest("catalog", "own", "./own.js#plugin"),
        // Field order, not alphabetical order: optional before dev in the file, dependencies first in discovery.
        optionalDependencies: { "a-optional": "1" },
        devDependencies: { "b-dev": "1" },
        dependencies: { "z-dep": "1" },
        workspaces: ["packages/*"],
      },
      files: {
        "own.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "own" }),
        "packages/ws/package.json": JSON.stringify({ name: "ws", runnable: manifest("catalog", "ws", "./index.js#plugin") }),
        "packages/ws/index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "ws" }),
        "tools/listed/package.json": JSON.stringify({ name: "listed", runnable: manifest("catalog", "listed", "./index.js#plugin") }),
        "tools/listed/index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "listed" }),
      },
      installed: { "a-optional": catalogPackage("optional"), "b-dev": catalogPackage("dev"), "z-dep": catalogPackage("dep") },
    });
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir, configSources: ["./tools/listed"], distributionDirs: [distribution.dir] });
    expect(result.problems).toEqual([]);
    expect(names(result)).toEqual([
      "project:own",
      "dependency:dep",
      "dependency:dev",
      "dependency:optional",
      "workspace:ws",
      "config:listed",
      "built-in:builtin",
    ]);
  });

  it("reads a package reached twice once, under the source that reached it first", () => {
    const p = project({
      packageJson: { dependencies: { shared: "1" }, devDependencies: { shared: "1" } },
      installed: { shared: catalogPackage("shared") },
    });
    symlinkSync(join(p.dir, "node_modules", "shared"), join(p.dir, "shared-link"), "dir");
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir, configSources: ["shared", "./node_modules/shared", "./shared-link"], distributionDirs: [p.dir] });
    expect(names(result)).toEqual(["dependency:shared"]);
  });

  it("resolves symlinked packages (pnpm's layout) to their real folder, and one real folder counts once", () => {
    const p = project({ packageJson: { dependencies: { linked: "1", alias: "1" } } });
    const store = join(p.dir, "node_modules", ".pnpm", "linked@1.0.0", "node_modules", "linked");
    writePackage(store, { ...catalogPackage("linked"), packageJson: { name: "linked", version: "1.0.0", ...catalogPackage("linked").packageJson } });
    symlinkSync(store, join(p.dir, "node_modules", "linked"), "dir");
    symlinkSync(store, join(p.dir, "node_modules", "alias"), "dir");
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir });
    expect(result.plugins).toEqual([
      expect.objectContaining({ name: "linked", package: "linked", packageDir: store, file: join(store, "index.js"), source: "dependency" }),
    ]);
  });

  it("finds a dependency hoisted above the project root, as Node's lookup does", () => {
    const outer = project({ installed: { hoisted: catalogPackage("hoisted") } });
    const innerDir = join(outer.dir, "apps", "inner");
    mkdirSync(innerDir, { recursive: true });
    outer.write("apps/inner/package.json", JSON.stringify({ name: "inner", dependencies: { hoisted: "1" } }));
    const result = discoverPlugins({ projectRoot: innerDir, cwd: innerDir });
    expect(result.plugins).toEqual([expect.objectContaining({ name: "hoisted", packageDir: join(outer.dir, "node_modules", "hoisted") })]);
  });

  it("skips declared dependencies that are not installed or declare no plugins, and reads no module", () => {
    const p = project({
      packageJson: { dependencies: { missing: "1", plain: "1", throwing: "1" } },
      installed: {
        plain: { packageJson: { main: "index.js" }, files: { "index.js": "module.exports = 1;" } },
        throwing: { packageJson: { runnable: manifest("catalog", "throwing", "./index.js#plugin") }, files: { "index.js": `throw new Error("imported!");` } },
      },
    });
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir });
    expect(result.problems).toEqual([]);
    expect(names(result)).toEqual(["dependency:throwing"]);
  });

  it("reports an unreadable package.json of a dependency as a problem and still lists the others", () => {
    const p = project({
      packageJson: { dependencies: { broken: "1", good: "1" } },
      installed: { good: catalogPackage("good") },
      files: { "node_modules/broken/package.json": "{ not json" },
    });
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir });
    expect(names(result)).toEqual(["dependency:good"]);
    expect(result.problems).toEqual([
      expect.objectContaining({ code: "E_MANIFEST_INVALID", package: join(p.dir, "node_modules", "broken"), path: "package.json" }),
    ]);
  });

  it("expands workspaces given as a list or as { packages }, literal folders and * patterns, skipping folders without package.json", () => {
    const files = {
      "libs/one/package.json": JSON.stringify({ name: "one", runnable: manifest("catalog", "one", "./i.js#plugin") }),
      "libs/one/i.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "one" }),
      "libs/two/package.json": JSON.stringify({ name: "two", runnable: manifest("catalog", "two", "./i.js#plugin") }),
      "libs/two/i.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "two" }),
      "libs/no-package/readme.txt": "not a package",
      "tool/package.json": JSON.stringify({ name: "tool", runnable: manifest("catalog", "tool", "./i.js#plugin") }),
      "tool/i.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "tool" }),
    };
    const asList = project({ packageJson: { workspaces: ["./tool", "libs/*"] }, files });
    expect(names(discoverPlugins({ projectRoot: asList.dir, cwd: asList.dir }))).toEqual(["workspace:tool", "workspace:one", "workspace:two"]);
    const asObject = project({ packageJson: { workspaces: { packages: ["libs/t*"] } }, files });
    expect(names(discoverPlugins({ projectRoot: asObject.dir, cwd: asObject.dir }))).toEqual(["workspace:two"]);
  });

  it("resolves plugins: paths from the working directory and names from the project root", () => {
    const p = project({ installed: { "by-name": catalogPackage("byname") } });
    p.write("sub/dir/local/package.json", JSON.stringify({ name: "local", runnable: manifest("catalog", "local", "./i.js#plugin") }));
    p.write("sub/dir/local/i.js", pluginModule({ format: "cjs", exportName: "plugin", kind: "catalog", name: "local" }));
    const result = discoverPlugins({ projectRoot: p.dir, cwd: join(p.dir, "sub", "dir"), configSources: ["./local", "by-name"] });
    expect(names(result)).toEqual(["config:local", "config:byname"]);
  });

  it.each([
    ["a path without package.json", "./nowhere", /plugins entry "\.\/nowhere" has no package.json at .*nowhere/],
    ["a package that is not installed", "@acme/absent", /plugins entry "@acme\/absent" is not installed in .* \(npm install @acme\/absent\)/],
  ])("refuses %s in plugins:, naming the config file", (_label, spec, message) => {
    const p = project({});
    const file = join(p.dir, "runnable-config.yaml");
    let error: unknown;
    try {
      discoverPlugins({ projectRoot: p.dir, cwd: p.dir, configSources: [spec], configFile: file });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", context: { file, path: "plugins" } });
    expect((error as Error).message).toMatch(message);
  });

  it("resolves built-ins from the distribution's folder, not from the project", () => {
    const distribution = project({ packageJson: { dependencies: { "only-in-dist": "1" } }, installed: { "only-in-dist": catalogPackage("dist") } });
    const p = project({ packageJson: { dependencies: { "only-in-dist": "1" } } });
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir, distributionDirs: [distribution.dir] });
    expect(result.plugins).toEqual([expect.objectContaining({ name: "dist", source: "built-in", packageDir: join(distribution.dir, "node_modules", "only-in-dist") })]);
  });

  it("records package, version (0.0.0 when absent) and entry of each plugin, and filters by kind", () => {
    const p = project({
      packageJson: { dependencies: { versioned: "1", unversioned: "1" } },
      installed: { versioned: { ...catalogPackage("v"), packageJson: { ...catalogPackage("v").packageJson, version: "3.1.4" } } },
    });
    writePackage(join(p.dir, "node_modules", "unversioned"), {
      packageJson: { name: "unversioned", runnable: { apiVersion: 1, secrets: { s: "./s.js#s" }, catalog: { u: "./s.js" } } },
      files: { "s.js": "" },
    });
    const result = discoverPlugins({ projectRoot: p.dir, cwd: p.dir });
    expect(result.plugins.map(({ kind, name, package: pkg, version, exportName }) => ({ kind, name, pkg, version, exportName }))).toEqual([
      { kind: "catalog", name: "v", pkg: "versioned", version: "3.1.4", exportName: "plugin" },
      { kind: "secrets", name: "s", pkg: "unversioned", version: "0.0.0", exportName: "s" },
      { kind: "catalog", name: "u", pkg: "unversioned", version: "0.0.0", exportName: "default" },
    ]);
    expect(pluginsOfKind(result, "catalog").map((x) => x.name)).toEqual(["v", "u"]);
    expect(pluginsOfKind(result, "run-log-store")).toEqual([]);
  });
});
