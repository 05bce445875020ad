import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Kernel } from "@runnable-ts/kernel";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "@runnable-ts/runtime";

const CONFIG_DIR = join(__dirname, "..", "config");

describe("ready configuration files in config/", () => {
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith(".yaml"));

  it("are all there", () => {
    expect(files.sort()).toEqual(["argo.yaml", "async-local.yaml", "buffered.yaml", "chunked-fs.yaml", "emulator.yaml", "file-system.yaml", "in-memory.yaml", "local-container.yaml", "local.yaml", "minio.yaml", "mocked.yaml"]);
  });

  it.each(files)("%s loads, names installed plugins and creates every service", async (file) => {
    const kernel = await Kernel.create({ cwd: CONFIG_DIR, configFile: file, env: { RUNNABLE_VAR_S3_ENDPOINT: "http://127.0.0.1:9", RUNNABLE_VAR_S3_KEY: "key", RUNNABLE_VAR_S3_SECRET: "secret" }, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
    const run = await kernel.createRun();
    expect(run.get("run-log-store")).toBeDefined();
    expect(run.get("pipeline-executor")).toBeDefined();
    await run.dispose();
  });
});
