import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../../test/support/cli";

const ROOT = join(__dirname, "..", "..", "..");
const SDK = join(ROOT, "packages", "sdk");
const RUNTIME = join(ROOT, "packages", "runtime");

/** Task functions: one leaves a rejection behind after returning, one while still running. */
const FUNCTIONS = `
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.fire = () => { setTimeout(() => { Promise.reject(new Error("late rejection")); }, 10); return 1; };
exports.after = async () => { await sleep(150); return 2; };
exports.forget = async () => { Promise.reject(new Error("forgotten while running")); await sleep(300); return 3; };
`;

function dir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "runnable-rejection-")));
  writeFileSync(join(d, "fns.js"), FUNCTIONS);
  return d;
}

describe("unhandled rejections from tasks (child processes, real process-level handler)", () => {
  it("execute(): a rejection after the task returned is a warning and the run succeeds; one while it runs fails that task", () => {
    const d = dir();
    writeFileSync(
      join(d, "main.js"),
      `
const { Pipeline, FunctionTask, AsyncFunctionTask } = require(${JSON.stringify(SDK)});
require(${JSON.stringify(RUNTIME)});
const fns = require("./fns.js");
const late = new Pipeline({ steps: [new FunctionTask({ name: "fire", fn: fns.fire, returns: ["x"] }), new AsyncFunctionTask({ name: "after", fn: fns.after, returns: ["y"] })] });
const running = new Pipeline({ steps: [new AsyncFunctionTask({ name: "forget", fn: fns.forget, returns: ["z"] })] });
(async () => {
  const a = await late.execute({ runId: "late" }).catch((e) => e.runLog);
  const b = await running.execute({ runId: "running" }).catch((e) => e.runLog);
  console.log(JSON.stringify({ a: a.status, after: a.steps.after.status, b: b.status, forget: b.steps.forget.attempts[0].message }));
})();
`,
    );
    const result = spawnSync(process.execPath, ["main.js"], { cwd: d, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as Record<string, string>;
    expect(out).toMatchObject({ a: "SUCCESS", after: "SUCCESS", b: "FAIL" });
    expect(out.forget).toBe("a promise the task created was rejected and never handled: forgotten while running");
    expect(result.stderr).toMatch(/warning: a promise was rejected and never handled \((created by task fire, which had already finished|not by a task still running); the run goes on\): late rejection/);
  });

  it("runnable execute: the run ends SUCCESS / FAIL instead of the process crashing with the run PROCESSING", () => {
    const d = dir();
    const step = (name: string, next: string) => `    ${name}:\n      type: task\n      command: ./fns.js#${name}\n      next: ${next}\n`;
    writeFileSync(join(d, "late.yaml"), `dag:\n  start_at: fire\n  steps:\n${step("fire", "after")}${step("after", "success")}`);
    writeFileSync(join(d, "running.yaml"), `dag:\n  start_at: forget\n  steps:\n${step("forget", "success")}`);
    const late = runCli(["execute", "late.yaml", "--run-id", "late"], { cwd: d });
    expect(late.code).toBe(0);
    expect(late.stderr).toContain("late rejection");
    const running = runCli(["execute", "running.yaml", "--run-id", "running"], { cwd: d });
    expect(running.code).toBe(1);
    const log = JSON.parse(runCli(["show", "running", "--json"], { cwd: d }).stdout) as { status: string; steps: Record<string, { status: string; attempts: { message: string }[] }> };
    expect(log.status).toBe("FAIL");
    expect(log.steps.forget?.attempts[0]?.message).toContain("forgotten while running");
    const lateLog = JSON.parse(runCli(["show", "late", "--json"], { cwd: d }).stdout) as { status: string };
    expect(lateLog.status).toBe("SUCCESS");
  });
});
