import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/**
 * A task printing `mb` MiB in 1 KiB console lines, run by execute() in a fresh process; prints
 * the peak RSS and the execution log's size.
 */
function printLots(mb: number): { rssMiB: number; logBytes: number; status: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-bigLog-")));
  writeFileSync(
    join(dir, "main.js"),
    `
const { Pipeline, FunctionTask } = require(${JSON.stringify(join(ROOT, "packages", "sdk"))});
require(${JSON.stringify(join(ROOT, "packages", "runtime"))});
const line = "x".repeat(1023);
const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "loud", fn: () => { for (let i = 0; i < ${mb} * 1024; i++) console.log(line); } })] });
pipeline.execute({ runId: "big" }).then((log) => {
  process.stdout.write(JSON.stringify({ status: log.status, rssMiB: process.resourceUsage().maxRSS / 1024 }) + "\\n");
});
`,
  );
  const result = spawnSync(process.execPath, ["main.js"], { cwd: dir, encoding: "utf8", timeout: 120_000, env: { PATH: process.env.PATH ?? "" } });
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
  const out = JSON.parse(result.stdout.trim().split("\n").pop()!) as { status: string; rssMiB: number };
  return { ...out, logBytes: statSync(join(dir, ".catalog", "big", "loud.attempt1.execution.log")).size };
}

describe("execution logs of tasks that print a lot", () => {
  it("stores 100 MiB of output whole with a peak RSS far below one copy of it in memory", () => {
    const big = printLots(100);
    expect(big.status).toBe("SUCCESS");
    expect(big.logBytes).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    // Holding the output in memory even once would exceed this; before, three copies (~300 MiB).
    expect(big.rssMiB).toBeLessThan(180);
  }, 120_000);
});
