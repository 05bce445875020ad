import { createFixtureProject, manifest, pluginModule, type FixtureProject } from "@runnable-ts/testing";
import { runCli } from "./support/cli";

describe("runnable plugins / config (built CLI, child process)", () => {
  let project: FixtureProject;
  beforeAll(() => {
    project = createFixtureProject({
      packageJson: { dependencies: { "esm-store": "1", "dual-catalog": "1", "@scope/cjs-secrets": "1", broken: "1" } },
      installed: {
        "esm-store": {
          packageJson: {
            type: "module",
            exports: { ".": { import: "./index.js" } },
            runnable: manifest("run-log-store", "esm", "./index.js#esmStore"),
          },
          files: {
            "index.js": pluginModule({
              format: "esm", exportName: "esmStore", kind: "run-log-store", name: "esm", useSdk: true,
              configSchema: "z.object({ folder: z.string() })", create: "{ esm: true, folder: config.folder }",
            }),
          },
        },
        "dual-catalog": {
          packageJson: {
            type: "module",
            exports: { ".": { import: "./esm/index.js", require: "./cjs/index.cjs" } },
            runnable: manifest("catalog", "dual", "./esm/index.js#dual"),
          },
          files: {
            "esm/index.js": `import { definePlugin } from "@runnable-ts/sdk";\nexport const dual = definePlugin({ kind: "catalog", name: "dual", create: () => ({ format: "esm" }) });\n`,
            "cjs/index.cjs": `const { definePlugin } = require("@runnable-ts/sdk");\nexports.dual = definePlugin({ kind: "catalog", name: "dual", create: () => ({ format: "cjs" }) });\n`,
          },
        },
        "@scope/cjs-secrets": {
          packageJson: { main: "index.js", exports: "./index.js", runnable: manifest("secrets", "scoped", "./index.js") },
          files: { "index.js": pluginModule({ format: "cjs", exportName: "default", kind: "secrets", name: "scoped" }) },
        },
        broken: { packageJson: { runnable: { apiVersion: 1, catalog: { gone: "./gone.js" } } } },
      },
      link: ["@runnable-ts/sdk"],
      files: {
        "runnable-config.yaml": "run-log-store: { type: esm, config: { folder: logs } }\ncatalog: dual\nsecrets: scoped\n",
      },
    });
  });
  afterAll(() => project.remove());

  it("lists every plugin with kind, name, package, version and entry, plus problems, as JSON", () => {
    const { code, stdout } = runCli(["plugins", "--json"], { cwd: project.dir });
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as { plugins: Record<string, string>[]; problems: Record<string, string>[] };
    const byName = Object.fromEntries(listed.plugins.map((p) => [p.name, p]));
    expect(byName.esm).toMatchObject({ kind: "run-log-store", package: "esm-store", version: "1.0.0", entry: "./index.js#esmStore", source: "dependency" });
    expect(byName.dual).toMatchObject({ kind: "catalog", package: "dual-catalog" });
    expect(byName.scoped).toMatchObject({ kind: "secrets", package: "@scope/cjs-secrets", entry: "./index.js" });
    // The distribution's built-ins are found by the same discovery, from the CLI's dependencies.
    expect(byName.buffered).toMatchObject({ kind: "run-log-store", package: "@runnable-ts/run-log-store-buffered", source: "built-in" });
    expect(listed.problems).toEqual([
      { code: "E_MANIFEST_INVALID", package: "broken", path: "runnable.catalog.gone", message: expect.stringMatching(/does not exist/) },
    ]);
  });

  it("imports ESM-only, dual and scoped CommonJS plugins with --check", () => {
    const { code, stdout } = runCli(["plugins", "--check", "--json"], { cwd: project.dir });
    const listed = JSON.parse(stdout) as { problems: { path: string }[] };
    expect(listed.problems.map((p) => p.path)).toEqual(["runnable.catalog.gone"]);
    expect(code).toBe(1);
  });

  it("creates the configured ESM, dual and CommonJS plugins for a run", () => {
    const { code, stdout, stderr } = runCli(["config", "--json"], { cwd: project.dir });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as { source: string; services: { kind: string; type: string; package: string }[] };
    expect(shown.source).toBe("search");
    expect(shown.services).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "run-log-store", type: "esm", package: "esm-store" }),
        expect.objectContaining({ kind: "catalog", type: "dual", package: "dual-catalog" }),
        expect.objectContaining({ kind: "secrets", type: "scoped", package: "@scope/cjs-secrets" }),
      ]),
    );
  });

  it("reports an ESM plugin whose module lacks the export, naming it, with exit code 1", () => {
    project.write("bad-export.yaml", "catalog: esm-missing\n");
    project.write("node_modules/esm-missing/package.json", JSON.stringify({ name: "esm-missing", type: "module", runnable: manifest("catalog", "esm-missing", "./i.js#nope") }));
    project.write("node_modules/esm-missing/i.js", "export const other = 1;\n");
    project.write("package.json", JSON.stringify({ name: "fx", dependencies: { "esm-missing": "1" } }));
    try {
      const { code, stderr } = runCli(["config", "-c", "bad-export.yaml"], { cwd: project.dir });
      expect(code).toBe(1);
      expect(stderr).toMatch(/error\[E_PLUGIN_INVALID\]: Plugin catalog\/esm-missing from esm-missing: runnable\.catalog\.esm-missing names export "nope", which \.\/i\.js does not export \(exports: other\)/);
    } finally {
      project.write("package.json", JSON.stringify({ name: "fx", dependencies: { "esm-store": "1", "dual-catalog": "1", "@scope/cjs-secrets": "1", broken: "1" } }));
    }
  });

  it("prints a plain table with problems for humans", () => {
    const { code, stdout } = runCli(["plugins"], { cwd: project.dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^KIND\s+NAME\s+PACKAGE\s+VERSION\s+ENTRY\s+SOURCE/);
    expect(stdout).toMatch(/run-log-store\s+esm\s+esm-store\s+1\.0\.0\s+\.\/index\.js#esmStore/);
    expect(stdout).toMatch(/Problems \(1\):\n {2}E_MANIFEST_INVALID broken runnable\.catalog\.gone: /);
  });

  it("takes --config over RUNNABLE_CONFIGURATION_FILE and reports config errors with exit code 1", () => {
    project.write("other.yaml", "run-log-store: buffered\n");
    project.write("bad.yaml", "run-log-store: buffered\nextra: 1\n");
    const viaEnv = runCli(["config", "--json"], { cwd: project.dir, env: { RUNNABLE_CONFIGURATION_FILE: "other.yaml" } });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ source: "environment", services: expect.arrayContaining([expect.objectContaining({ type: "buffered" })]) });
    const viaFlag = runCli(["config", "--json", "-c", "runnable-config.yaml"], { cwd: project.dir, env: { RUNNABLE_CONFIGURATION_FILE: "other.yaml" } });
    expect(JSON.parse(viaFlag.stdout)).toMatchObject({ source: "argument" });
    const bad = runCli(["config", "-c", "bad.yaml"], { cwd: project.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error\[E_CONFIG_INVALID\]: Invalid configuration in .*bad\.yaml:\n {2}extra: unknown key "extra"/);
  });

  it("answers --help for the tool and for each command, and rejects unknown commands and flags", () => {
    const help = runCli(["--help"], { cwd: project.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: runnable <command>/);
    expect(help.stdout).toMatch(/plugins\s+List every discovered plugin/);
    expect(runCli(["plugins", "--help"], { cwd: project.dir }).stdout).toMatch(/--check/);
    const unknown = runCli(["frobnicate"], { cwd: project.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    expect(runCli(["plugins", "--bogus"], { cwd: project.dir }).code).toBe(2);
  });
});
