import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, runCli } from "./support/cli";

const FUNCTIONS = `
const fs = require("fs");
const count = (name) => fs.appendFileSync("count-" + name, "x");
exports.step = (name) => () => { count(name); return name; };
exports.one = () => { count("one"); return 1; };
exports.two = () => { count("two"); return 2; };
exports.flaky = () => { count("flaky"); if (fs.existsSync("fail-flag")) throw new Error("flag is set"); return 3; };
exports.slow = async () => { count("slow"); fs.writeFileSync("slow-started", ""); while (fs.existsSync("block-flag")) await new Promise((r) => setTimeout(r, 20)); return 4; };
exports.four = () => { count("four"); return 5; };
`;

const PIPELINE = (middle: string) => `
dag:
  start_at: one
  steps:
    one: { type: task, command: ./fns.js#one, returns: [a], next: two }
    two: { type: task, command: ./fns.js#two, returns: [b], next: middle }
    middle: { type: task, command: ./fns.js#${middle}, returns: [c], next: four }
    four: { type: task, command: ./fns.js#four, returns: [d], next: success }
`;

function project(middle = "flaky"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-retry-")));
  writeFileSync(join(dir, "fns.js"), FUNCTIONS);
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE(middle));
  writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: { type: chunked-fs }\n");
  return dir;
}
const count = (dir: string, name: string): number => (existsSync(join(dir, `count-${name}`)) ? readFileSync(join(dir, `count-${name}`), "utf8").length : 0);
const runLog = (dir: string, id: string) => JSON.parse(runCli(["show", id, "--json"], { cwd: dir }).stdout) as { status: string; steps: Record<string, { attempts: { status: string }[] }> };

describe("runnable retry (built CLI, child processes)", () => {
  it("retries a failed YAML run: skips what succeeded, re-runs the failed step as attempt 2, exit code 0", () => {
    const dir = project();
    writeFileSync(join(dir, "fail-flag"), "");
    const first = runCli(["execute", "pipeline.yaml", "--run-id", "y1"], { cwd: dir });
    expect(first.code).toBe(1);
    rmSync(join(dir, "fail-flag"));
    const retry = runCli(["retry", "y1"], { cwd: dir });
    expect(retry.stderr).toBe("");
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/^skip {2}one {2}\(already successful\)\nskip {2}two {2}\(already successful\)\nok {4}middle\nok {4}four\nok {4}success\nrun y1: SUCCESS/);
    const log = runLog(dir, "y1");
    expect(log.status).toBe("SUCCESS");
    expect(log.steps.middle?.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);
    expect([count(dir, "one"), count(dir, "two"), count(dir, "flaky"), count(dir, "four")]).toEqual([1, 1, 2, 1]);
  });

  it("exits non-zero when the retry fails again, and refuses an edited pipeline naming the change", () => {
    const dir = project();
    writeFileSync(join(dir, "fail-flag"), "");
    runCli(["execute", "pipeline.yaml", "--run-id", "y2"], { cwd: dir });
    expect(runCli(["retry", "y2"], { cwd: dir }).code).toBe(1);
    writeFileSync(join(dir, "pipeline.yaml"), PIPELINE("flaky").replace("next: four", "next: success"));
    const refused = runCli(["retry", "y2"], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error\[E_RETRY_DAG_CHANGED\]: Cannot retry run "y2": the pipeline definition changed[\s\S]*step "middle" changed: next/);
  });

  it("retries an SDK module run through RUNNABLE_RETRY_RUN_ID as well as `runnable retry`", () => {
    const dir = project();
    writeFileSync(
      join(dir, "pipeline.js"),
      `const { Pipeline, FunctionTask } = require(${JSON.stringify(join(__dirname, "..", "packages", "sdk"))});\nconst f = require("./fns.js");\nexports.pipeline = new Pipeline({ steps: [new FunctionTask({ name: "one", fn: f.one, returns: ["a"] }), new FunctionTask({ name: "flaky", fn: f.flaky, returns: ["c"] })] });\n`,
    );
    writeFileSync(join(dir, "fail-flag"), "");
    expect(runCli(["execute", "pipeline.js", "--run-id", "s1"], { cwd: dir }).code).toBe(1);
    expect(runCli(["execute", "pipeline.js", "--run-id", "s2"], { cwd: dir }).code).toBe(1);
    rmSync(join(dir, "fail-flag"));
    expect(runCli(["retry", "s1"], { cwd: dir }).code).toBe(0);
    const viaEnv = runCli(["execute", "pipeline.js"], { cwd: dir, env: { RUNNABLE_RETRY_RUN_ID: "s2" } });
    expect(viaEnv.stdout).toContain("run s2: SUCCESS");
    expect(runLog(dir, "s2").steps.flaky?.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);
    expect(count(dir, "one")).toBe(2);
  });

  it("resumes a run killed with SIGKILL during step 3 of 5 without re-running steps 1 and 2", async () => {
    const dir = project("slow");
    writeFileSync(join(dir, "block-flag"), "");
    const child = spawn(process.execPath, [CLI, "execute", "pipeline.yaml", "--run-id", "k1"], { cwd: dir, stdio: "ignore" });
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(dir, "slow-started")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(join(dir, "slow-started"))).toBe(true);
    // The journal goes to disk at the end of an event-loop turn: kill once it holds steps 1 and 2
    // (under load the child may not have reached the end of the turn when the flag appears).
    const journal = (): string => {
      const runDir = join(dir, ".run_log_store", "k1");
      return existsSync(runDir) ? readdirSync(runDir).map((f) => readFileSync(join(runDir, f), "utf8")).join("") : "";
    };
    const twoDone = (): boolean => journal().split("\n").some((line) => line.includes('"internal_name":"two"') && line.includes('"status":"SUCCESS"'));
    while (!twoDone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    expect(runLog(dir, "k1").status).toBe("PROCESSING");
    rmSync(join(dir, "block-flag"));
    const retry = runCli(["retry", "k1"], { cwd: dir });
    expect(retry.code).toBe(0);
    const log = runLog(dir, "k1");
    expect(log.status).toBe("SUCCESS");
    expect([count(dir, "one"), count(dir, "two"), count(dir, "slow"), count(dir, "four")]).toEqual([1, 1, 2, 1]);
    expect(log.steps.middle?.attempts.map((a) => a.status)).toEqual(["SUCCESS"]);
  }, 60_000);
});
