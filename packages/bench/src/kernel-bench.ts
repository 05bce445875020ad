import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "@runnable-ts/runtime";
import { Kernel } from "@runnable-ts/kernel";
import { createFixtureProject, manifest, pluginModule, type FixturePackage } from "@runnable-ts/testing";
import { median, timeIt, type Figure } from "./measure";

/** Discovery + resolution for a project with `deps` dependencies of which `plugins` carry plugins. */
export async function discoveryBench(deps: number, plugins: number, repeat: number): Promise<Figure[]> {
  const installed: Record<string, FixturePackage> = {};
  const dependencies: Record<string, string> = {};
  for (let i = 0; i < deps; i++) {
    const name = `dep-${i}`;
    dependencies[name] = "1.0.0";
    installed[name] =
      i < plugins
        ? {
            packageJson: { runnable: manifest("run-log-store", `store-${i}`, "./index.js#plugin") },
            files: { "index.js": pluginModule({ format: "cjs", exportName: "plugin", kind: "run-log-store", name: `store-${i}` }) },
          }
        : { packageJson: { main: "index.js" }, files: { "index.js": "module.exports = {};" } };
  }
  const project = createFixtureProject({ packageJson: { dependencies }, installed, files: { "runnable-config.yaml": `run-log-store: store-${plugins - 1}\n` } });
  try {
    const once = async (): Promise<void> => {
      const kernel = await Kernel.create({ cwd: project.dir, env: {}, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
      await (await kernel.createRun()).dispose();
    };
    const coldStart = performance.now();
    await once();
    const cold = performance.now() - coldStart;
    const warm = median(await timeIt(once, repeat, 2));
    return [
      { workload: `discovery (${deps} deps, ${plugins} with plugins)`, metric: "first (cold module import)", value: cold, unit: "ms" },
      { workload: `discovery (${deps} deps, ${plugins} with plugins)`, metric: "warm, median", value: warm, unit: "ms", target: { max: 50 } },
    ];
  } finally {
    project.remove();
  }
}

/** Wall time of `runnable --help` in a fresh process. */
export function cliHelpBench(cli: string, repeat: number): Figure[] {
  const times: number[] = [];
  for (let i = 0; i < repeat + 1; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`runnable --help failed: ${result.stderr}`);
    if (i > 0) times.push(performance.now() - start);
  }
  return [{ workload: "cli cold start", metric: "runnable --help, median", value: median(times), unit: "ms", target: { max: 300 } }];
}
