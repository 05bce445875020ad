import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";

describe("step cache from the command line (built CLI)", () => {
  it("a YAML task with cache: true runs once across runs, runs does not list the cache, cache clear empties it", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-cache-")));
    writeFileSync(join(dir, "fns.js"), 'const fs = require("fs");\nexports.work = (p) => { fs.appendFileSync("count", "x"); return p.x * 2; };\n');
    writeFileSync(join(dir, "pipeline.yaml"), "dag:\n  start_at: work\n  steps:\n    work: { type: task, command: ./fns.js#work, returns: [y], cache: { ttl_ms: 600000 }, next: success }\n");
    writeFileSync(join(dir, "params.yaml"), "x: 4\n");
    writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: { type: chunked-fs }\n");
    const count = () => (existsSync(join(dir, "count")) ? readFileSync(join(dir, "count"), "utf8").length : 0);
    expect(runCli(["execute", "pipeline.yaml", "-p", "params.yaml", "--run-id", "a1"], { cwd: dir }).code).toBe(0);
    expect(runCli(["execute", "pipeline.yaml", "-p", "params.yaml", "--run-id", "a2"], { cwd: dir }).code).toBe(0);
    expect(count()).toBe(1);
    const shown = JSON.parse(runCli(["show", "a2", "--json"], { cwd: dir }).stdout) as { steps: { work: { attempts: { cached?: boolean; cached_from?: string }[] } } };
    expect(shown.steps.work.attempts[0]).toMatchObject({ cached: true, cached_from: "a1" });
    const runs = runCli(["runs"], { cwd: dir }).stdout;
    expect(runs).toMatch(/a1/);
    expect(runs).not.toMatch(/runnable-step-cache/);
    const cleared = runCli(["cache", "clear"], { cwd: dir });
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/step cache cleared/);
    expect(runCli(["execute", "pipeline.yaml", "-p", "params.yaml", "--run-id", "a3"], { cwd: dir }).code).toBe(0);
    expect(count()).toBe(2);
    expect(runCli(["cache", "wipe"], { cwd: dir }).stderr).toMatch(/E_USAGE/);
  });
});
