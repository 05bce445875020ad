import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadDefinition, runPipeline } from "@runnable-ts/runtime";
import { ensureTestImage, TEST_IMAGE, testImageRunArgs } from "@runnable-ts/testing";
import { median, type Figure } from "./measure";

/**
 * A chain of `n` YAML function steps under `local`, `emulator` and `local-container` (the
 * cached test image, podman): wall time and per-step cost of a process / a container per step,
 * and the floors under a container step (the engine running `true`, and `node -e 0`).
 * @throws Error when podman or the test image is not available (the bench reports it).
 */
export async function containerBench(n: number): Promise<Figure[]> {
  ensureTestImage();
  const steps = Array.from({ length: n }, (_, i) => `    s${i}: { type: task, command: ./steps.js#inc, returns: [value], next: ${i === n - 1 ? "success" : `s${i + 1}`} }`).join("\n");
  const container = JSON.stringify({ type: "local-container", config: { image: TEST_IMAGE, engine: "podman", run_args: testImageRunArgs() } });
  const executors: Record<string, string> = { local: "local", emulator: "emulator", "local-container": container };
  const wall: Record<string, number> = {};
  for (const [name, section] of Object.entries(executors)) {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-container-bench-")));
    try {
      writeFileSync(join(dir, "config.yaml"), `pipeline-executor: ${section}\nrun-log-store: chunked-fs\ncatalog: do-nothing\n`);
      writeFileSync(join(dir, "pipeline.yaml"), `dag:\n  start_at: s0\n  steps:\n${steps}\n`);
      writeFileSync(join(dir, "steps.js"), "exports.inc = ({ value = 0 }) => value + 1;\n");
      const definition = await loadDefinition("pipeline.yaml", dir);
      const start = performance.now();
      const result = await runPipeline(definition.graph, { definition: definition.source, cwd: dir, configurationFile: join(dir, "config.yaml"), env: { ...process.env } });
      wall[name] = performance.now() - start;
      if (result.status !== "SUCCESS" || result.runLog.parameters.value?.value !== n) throw new Error(`container bench failed under ${name}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const workload = `container chain of ${n}`;
  // The floors a container step stands on: the engine's start and removal of a container that
  // does nothing, and the same with node started in it (before any of the CLI is loaded).
  const engine = ensureTestImage();
  const floor = (command: string[]): number => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const done = spawnSync(engine, ["run", "--rm", "--network", "host", "--log-driver", "none", ...testImageRunArgs(), TEST_IMAGE, ...command], { stdio: "ignore" });
      if (done.status !== 0) throw new Error(`${engine} run ${command.join(" ")} failed (${done.status})`);
      times.push(performance.now() - start);
    }
    return median(times);
  };
  const empty = floor(["/bin/busybox", "true"]);
  const node = floor(["node", "-e", "0"]);
  return [
    { workload, metric: "local wall", value: wall.local!, unit: "ms" },
    { workload, metric: "local per step", value: wall.local! / n, unit: "ms" },
    { workload, metric: "emulator per step", value: wall.emulator! / n, unit: "ms" },
    { workload, metric: "local-container wall", value: wall["local-container"]!, unit: "ms" },
    { workload, metric: "local-container per step", value: wall["local-container"]! / n, unit: "ms", target: { max: 600 } },
    { workload, metric: "floor: podman run of true", value: empty, unit: "ms" },
    { workload, metric: "floor: podman run of node -e 0", value: node, unit: "ms" },
  ];
}
