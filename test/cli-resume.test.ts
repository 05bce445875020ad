import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";

const FUNCTIONS = `
const fs = require("fs");
const count = (name) => fs.appendFileSync("count-" + name, "x");
exports.one = () => { count("one"); return 1; };
exports.approve = async (_p, ctx) => { count("approve"); if (ctx.resumeData === undefined) await ctx.suspend({ ask: "approve?" }); return ctx.resumeData.ok; };
exports.last = (p) => { count("last"); return p.ok; };
`;

const PIPELINE = `
dag:
  start_at: one
  steps:
    one: { type: task, command: ./fns.js#one, returns: [a], next: approve }
    approve: { type: task, command: ./fns.js#approve, returns: [ok], next: last }
    last: { type: task, command: ./fns.js#last, returns: [seen], next: success }
`;

function project(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-resume-")));
  writeFileSync(join(dir, "fns.js"), FUNCTIONS);
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
  writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: { type: chunked-fs }\n");
  return dir;
}
const count = (dir: string, name: string): number => (existsSync(join(dir, `count-${name}`)) ? readFileSync(join(dir, `count-${name}`), "utf8").length : 0);
const runLog = (dir: string, id: string) => JSON.parse(runCli(["show", id, "--json"], { cwd: dir }).stdout) as { status: string; steps: Record<string, { status: string; attempts: { status: string; resume_data?: unknown }[] }> };

describe("runnable resume (built CLI, child processes)", () => {
  it("execute exits 3 with the run SUSPENDED, runs lists it, resume --data finishes it with exit 0", () => {
    const dir = project();
    const first = runCli(["execute", "pipeline.yaml", "--run-id", "s1"], { cwd: dir });
    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(/WAIT {2}approve/);
    expect(first.stdout).toMatch(/run s1: SUSPENDED/);
    expect(runCli(["runs"], { cwd: dir }).stdout).toMatch(/s1\s+SUSPENDED/);

    const bad = runCli(["resume", "s1", "--data", "{not json"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_RESUME_DATA_INVALID/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const wrongStep = runCli(["resume", "s1", "--step", "one", "--data", "{}"], { cwd: dir });
    expect(wrongStep.stderr).toMatch(/E_STEP_NOT_SUSPENDED/);
    expect(runLog(dir, "s1").steps.approve!.attempts).toHaveLength(1);

    writeFileSync(join(dir, "data.json"), '{"ok": "yes"}');
    const resumed = runCli(["resume", "s1", "--data-file", "data.json", "--quiet"], { cwd: dir });
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.trim()).toBe("run s1: SUCCESS");
    const log = runLog(dir, "s1");
    expect(log.steps.approve!.attempts.map((a) => a.status)).toEqual(["SUSPENDED", "SUCCESS"]);
    expect(log.steps.approve!.attempts[1]!.resume_data).toEqual({ ok: "yes" });
    expect([count(dir, "one"), count(dir, "approve"), count(dir, "last")]).toEqual([1, 2, 1]);

    const again = runCli(["resume", "s1", "--data", "{}"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/E_NOT_SUSPENDED/);
  });

  it("execute --events emits pipeline_suspended, resume --events one JSON event per line, resume --json the run log", () => {
    const dir = project();
    expect(runCli(["execute", "pipeline.yaml", "--run-id", "s2", "--events"], { cwd: dir }).stdout).toMatch(/"type":"pipeline_suspended"/);
    const resumed = runCli(["resume", "s2", "--data", '{"ok": 1}', "--events"], { cwd: dir });
    expect(resumed.code).toBe(0);
    const events = resumed.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; step: string });
    expect(events.filter((e) => e.type === "step_skipped").map((e) => e.step)).toEqual(["one"]);
    expect(events.at(-1)).toMatchObject({ type: "pipeline_completed", status: "SUCCESS" });

    runCli(["execute", "pipeline.yaml", "--run-id", "s4", "--quiet"], { cwd: dir });
    const json = runCli(["resume", "s4", "--data", '{"ok": 2}', "--json"], { cwd: dir });
    expect(json.code).toBe(0);
    const log = JSON.parse(json.stdout) as { status: string; run_config: Record<string, unknown> };
    expect(log.status).toBe("SUCCESS");
    expect(log.run_config.resume).toBeUndefined();
  });

  it("retry --from re-runs a succeeded run from the named step; --from naming no step is a coded error", () => {
    const dir = project();
    runCli(["execute", "pipeline.yaml", "--run-id", "s3"], { cwd: dir });
    expect(runCli(["resume", "s3", "--data", '{"ok": true}', "--quiet"], { cwd: dir }).code).toBe(0);
    const bad = runCli(["retry", "s3", "--from", "nowhere"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_RETRY_FROM_INVALID/);
    const again = runCli(["retry", "s3", "--from", "last"], { cwd: dir });
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/skip {2}one[\s\S]*skip {2}approve[\s\S]*ok {4}last/);
    expect([count(dir, "one"), count(dir, "approve"), count(dir, "last")]).toEqual([1, 2, 2]);
  });
});
