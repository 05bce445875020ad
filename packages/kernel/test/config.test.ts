import { createFixtureProject, type FixtureProject } from "@runnable-ts/testing";
import { loadConfig } from "../src/config";

describe("loadConfig", () => {
  let project: FixtureProject;
  beforeEach(() => {
    project = createFixtureProject({
      packageJson: { runnable: { apiVersion: 1 } },
      files: {
        "runnable-config.yaml": "run-log-store: { type: searched }\n",
        "explicit.yaml": "run-log-store: { type: explicit }\n",
        "from-env.yaml": "run-log-store: { type: from-env }\n",
      },
    });
  });
  afterEach(() => project.remove());

  const type = async (opts: Partial<Parameters<typeof loadConfig>[0]>) =>
    (await loadConfig({ cwd: project.dir, env: {}, ...opts })).services["run-log-store"]?.type;

  it("takes the file given as argument over the environment, the search and the defaults", async () => {
    await expect(
      type({ configFile: "explicit.yaml", env: { RUNNABLE_CONFIGURATION_FILE: "from-env.yaml" }, defaults: { "run-log-store": "dflt" } }),
    ).resolves.toBe("explicit");
  });

  it("takes RUNNABLE_CONFIGURATION_FILE over the search", async () => {
    const config = await loadConfig({ cwd: project.dir, env: { RUNNABLE_CONFIGURATION_FILE: "from-env.yaml" } });
    expect(config.services["run-log-store"]?.type).toBe("from-env");
    expect(config.source).toBe("environment");
  });

  it("finds runnable-config.yaml by searching from a subfolder up to the project root", async () => {
    project.write("sub/deeper/.keep", "");
    const config = await loadConfig({ cwd: `${project.dir}/sub/deeper`, env: {} });
    expect(config.file).toBe(`${project.dir}/runnable-config.yaml`);
    expect(config.source).toBe("search");
  });

  it("finds the other search places (.runnablerc.json, runnable.config.yml)", async () => {
    const other = createFixtureProject({ files: { ".runnablerc.json": JSON.stringify({ catalog: { type: "rc" } }) } });
    const third = createFixtureProject({ files: { "runnable.config.yml": "catalog: yml\n" } });
    try {
      expect((await loadConfig({ cwd: other.dir, env: {} })).services.catalog?.type).toBe("rc");
      expect((await loadConfig({ cwd: third.dir, env: {} })).services.catalog?.type).toBe("yml");
    } finally {
      other.remove();
      third.remove();
    }
  });

  it("falls back to the defaults without a file, and never reads package.json as config", async () => {
    const bare = createFixtureProject({ packageJson: { runnable: { "run-log-store": { type: "from-package-json" } } } });
    try {
      const config = await loadConfig({ cwd: bare.dir, env: {}, defaults: { "run-log-store": "dflt" } });
      expect(config.file).toBeUndefined();
      expect(config.source).toBe("defaults");
      expect(config.services["run-log-store"]).toEqual({ type: "dflt", config: {}, origin: "default" });
    } finally {
      bare.remove();
    }
  });

  it("accepts config under `config` or inline, and a bare type string", async () => {
    project.write(
      "c.yaml",
      "run-log-store: { type: fs, config: { log_folder: a } }\ncatalog: { type: file-system, catalog_location: b }\nsecrets: do-nothing\n",
    );
    const config = await loadConfig({ cwd: project.dir, configFile: "c.yaml", env: {} });
    expect(config.services["run-log-store"]?.config).toEqual({ log_folder: "a" });
    expect(config.services.catalog?.config).toEqual({ catalog_location: "b" });
    expect(config.services.secrets).toEqual({ type: "do-nothing", config: {}, origin: "file" });
  });

  it("fills $name and ${name} from RUNNABLE_VAR_ variables, $$ being a dollar", async () => {
    project.write("v.yaml", 'run-log-store: { type: fs, config: { log_folder: "${root}/logs-$suffix", price: "$$5" } }\n');
    const config = await loadConfig({ cwd: project.dir, configFile: "v.yaml", env: { RUNNABLE_VAR_root: "/data", RUNNABLE_VAR_suffix: "x" } });
    expect(config.services["run-log-store"]?.config).toEqual({ log_folder: "/data/logs-x", price: "$5" });
  });

  it("reports a missing RUNNABLE_VAR_ variable by name, with file and key path", async () => {
    project.write("v.yaml", "run-log-store: { type: fs, config: { log_folder: $missing_one } }\n");
    const error = await loadConfig({ cwd: project.dir, configFile: "v.yaml", env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_CONFIG_VAR_MISSING", context: { variable: "missing_one", path: "run-log-store.config.log_folder" } });
    expect((error as Error).message).toMatch(/RUNNABLE_VAR_missing_one/);
    expect((error as Error).message).toContain(`${project.dir}/v.yaml`);
  });

  it("rejects an unknown top-level key, naming the file and the key", async () => {
    project.write("bad.yaml", "run-log-store: buffered\nexecutor: local\n");
    const error = await loadConfig({ cwd: project.dir, configFile: "bad.yaml", env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", context: { file: `${project.dir}/bad.yaml`, path: "executor" } });
    expect((error as Error).message).toMatch(/unknown key "executor"; allowed keys: pipeline-executor/);
  });

  it("rejects a section with both config and inline keys", async () => {
    project.write("bad.yaml", "catalog: { type: fs, config: {}, extra: 1 }\n");
    await expect(loadConfig({ cwd: project.dir, configFile: "bad.yaml", env: {} })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      context: { path: "catalog.extra" },
    });
  });

  it("reports YAML syntax errors with the line", async () => {
    project.write("broken.yaml", "catalog:\n  type: [unclosed\n");
    const error = await loadConfig({ cwd: project.dir, configFile: "broken.yaml", env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", context: { file: `${project.dir}/broken.yaml` } });
    expect((error as Error).message).toMatch(/line \d+/);
  });

  it("reports a named config file that does not exist", async () => {
    await expect(loadConfig({ cwd: project.dir, configFile: "nope.yaml", env: {} })).rejects.toMatchObject({ code: "E_CONFIG_NOT_FOUND" });
    await expect(loadConfig({ cwd: project.dir, env: { RUNNABLE_CONFIGURATION_FILE: "gone.yaml" } })).rejects.toThrow(/RUNNABLE_CONFIGURATION_FILE/);
  });

  it("reads plugin sources and pins, in list or map form, and rejects pins of unknown kinds", async () => {
    project.write("p.yaml", 'plugins: [ "@acme/x", "./local", { "catalog/s3": "@acme/x" } ]\n');
    const config = await loadConfig({ cwd: project.dir, configFile: "p.yaml", env: {} });
    expect(config.pluginSources).toEqual(["@acme/x", "./local"]);
    expect(config.pins).toEqual({ "catalog/s3": "@acme/x" });
    project.write("q.yaml", 'plugins: { "widget/s3": "@acme/x" }\n');
    await expect(loadConfig({ cwd: project.dir, configFile: "q.yaml", env: {} })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      context: { path: "plugins.widget/s3" },
    });
  });

  it("returns frozen values", async () => {
    const config = await loadConfig({ cwd: project.dir, env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.services)).toBe(true);
  });
});
