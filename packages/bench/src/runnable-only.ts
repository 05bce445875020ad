import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Kernel } from "@runnable-ts/kernel";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR, loadDefinition, runPipeline } from "@runnable-ts/runtime";
import { createFixtureProject, manifest, pluginModule, type FixturePackage } from "@runnable-ts/testing";
import { median, spread, timeIt, type Figure } from "./measure";

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
    const warm = await timeIt(once, repeat, 2);
    return [
      { workload: `discovery (${deps} deps, ${plugins} with plugins)`, metric: "first (cold module import)", value: cold, unit: "ms" },
      { workload: `discovery (${deps} deps, ${plugins} with plugins)`, metric: "warm, median", value: median(warm), unit: "ms", spread: spread(warm), target: { max: 50 } },
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
  return [{ workload: "cli cold start", metric: "runnable --help, median", value: median(times), unit: "ms", spread: spread(times), target: { max: 250 } }];
}

/** Emulator vs local on a chain of `n` steps: the per-step cost of a process per step. */
export async function emulatorBench(n: number): Promise<Figure[]> {
  const steps = Array.from({ length: n }, (_, i) => `    s${i}: { type: task, command: ./steps.js#inc, returns: [value], next: ${i === n - 1 ? "success" : `s${i + 1}`} }`).join("\n");
  const times: Record<string, number> = {};
  for (const executor of ["local", "emulator"]) {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-emu-")));
    writeFileSync(join(dir, "config.yaml"), `pipeline-executor: ${executor}\nrun-log-store: chunked-fs\ncatalog: do-nothing\n`);
    writeFileSync(join(dir, "pipeline.yaml"), `dag:\n  start_at: s0\n  steps:\n${steps}\n`);
    writeFileSync(join(dir, "steps.js"), "exports.inc = ({ value = 0 }) => value + 1;\n");
    const definition = await loadDefinition("pipeline.yaml", dir);
    const start = performance.now();
    const result = await runPipeline(definition.graph, { definition: definition.source, cwd: dir, configurationFile: join(dir, "config.yaml"), env: { ...process.env } });
    times[executor] = performance.now() - start;
    rmSync(dir, { recursive: true, force: true });
    if (result.status !== "SUCCESS") throw new Error(`emulator bench failed under ${executor}`);
  }
  return [
    { workload: `emulator chain of ${n}`, metric: "local wall", value: times.local!, unit: "ms" },
    { workload: `emulator chain of ${n}`, metric: "emulator wall", value: times.emulator!, unit: "ms" },
    { workload: `emulator chain of ${n}`, metric: "per-step overhead", value: (times.emulator! - times.local!) / n, unit: "ms", target: { max: 150 } },
  ];
}
