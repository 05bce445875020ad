import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { emulatorBench, fanOutBench, mapIoBench, streamBench } from "./async-bench";
import { chainBench, mapBench } from "./engine-bench";
import { cliHelpBench, discoveryBench } from "./kernel-bench";
import { verdict, type Figure } from "./measure";

const ROOT = resolve(__dirname, "..", "..", "..");
const CLI = join(ROOT, "packages", "cli", "dist", "bin.js");

const WORKLOADS: Record<string, (smoke: boolean) => Promise<Figure[]> | Figure[]> = {
  discovery: (smoke) => discoveryBench(smoke ? 30 : 300, smoke ? 5 : 20, smoke ? 3 : 20),
  "cli-start": (smoke) => cliHelpBench(CLI, smoke ? 2 : 10),
  "w1-chain": async (smoke) => [
    ...(await chainBench(smoke ? [20] : [100, 1000, 10000], "buffered", 50)),
    ...(await chainBench(smoke ? [20] : [100, 1000, 10000], "chunked-fs", 500)),
  ],
  "w3-async-io": (smoke) => fanOutBench(smoke ? 10 : 50, smoke ? 20 : 200, smoke ? ["async-local"] : ["async-local", "local"]),
  "w4-fan-out": async (smoke) => [
    ...(await mapIoBench(smoke ? 200 : 10_000, 10, smoke ? 50 : 1000, "buffered")),
    ...(await mapIoBench(smoke ? 200 : 10_000, 10, smoke ? 50 : 1000, "chunked-fs")),
  ],
  "w5-stream": (smoke) => streamBench(smoke ? 10_000 : 100_000),
  emulator: (smoke) => emulatorBench(smoke ? 3 : 20),
  "w2-map": async (smoke) => [
    ...(await mapBench(smoke ? [20] : [100, 1000, 10000], "buffered", 30)),
    ...(await mapBench(smoke ? [20] : [100, 1000], "chunked-fs", 500)),
  ],
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: "boolean" }, only: { type: "string" } } });
  const smoke = values.smoke === true;
  const names = values.only ? values.only.split(",") : Object.keys(WORKLOADS);
  const figures: Figure[] = [];
  console.log(`runnable-ts bench: node ${process.version}, ${cpus().length} cores${smoke ? ", smoke sizes" : ""}\n`);
  for (const name of names) {
    const workload = WORKLOADS[name];
    if (!workload) throw new Error(`unknown workload "${name}"; known: ${Object.keys(WORKLOADS).join(", ")}`);
    const result = await workload(smoke);
    for (const f of result) {
      const target = f.target ? ("max" in f.target ? `<= ${f.target.max} ${f.unit}` : `>= ${f.target.min} ${f.unit}`) : "";
      console.log(`${f.workload.padEnd(40)} ${f.metric.padEnd(28)} ${f.value.toFixed(2).padStart(10)} ${f.unit.padEnd(4)} ${target.padEnd(14)} ${smoke ? "(smoke size: no verdict)" : verdict(f)}`);
    }
    figures.push(...result);
  }
  const out = join(ROOT, "bench-results");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "latest.json"), JSON.stringify({ node: process.version, cores: cpus().length, smoke, figures }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
