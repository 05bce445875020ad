import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, runCli } from "./support/cli";

const FUNCTIONS = `
const fs = require("fs");
exports.wait = async (_params, ctx) => {
  fs.appendFileSync("wait-runs", "x");
  fs.writeFileSync("wait-started", "");
  if (fs.existsSync("release")) return 1;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, 60000);
    ctx.signal.addEventListener("abort", () => { clearTimeout(timer); fs.writeFileSync("wait-aborted", String(ctx.signal.reason && ctx.signal.reason.message)); reject(ctx.signal.reason); });
  });
  return 1;
};
exports.stubborn = async () => { fs.writeFileSync("stubborn-started", ""); await new Promise((r) => setTimeout(r, 60000)); return 1; };
exports.exit = () => { process.exit(Number(process.env.EXIT_WITH || "3")); };
exports.after = () => 2;
`;

// The shell step writes its pid, then waits on a child (sleep, whose pid it writes too) unless "release" exists.
const SHELL = `echo $$ > shell.pid; if [ -f release ]; then exit 0; fi; sleep 60 & echo $! > sleep.pid; wait`;

const PIPELINE = `
dag:
  start_at: wait
  steps:
    wait: { type: task, command: ./fns.js#wait, returns: [a], next: shell }
    shell: { type: task, command_type: shell, command: '${SHELL}', next: after }
    after: { type: task, command: ./fns.js#after, returns: [b], next: success }
`;

const EXITING = `
dag:
  start_at: first
  steps:
    first: { type: task, command: ./fns.js#after, returns: [b], next: bye }
    bye: { type: task, command: ./fns.js#exit, next: success }
`;

function project(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-interrupt-")));
  writeFileSync(join(dir, "fns.js"), FUNCTIONS);
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
  writeFileSync(join(dir, "exiting.yaml"), EXITING);
  return dir;
}

interface RunLogView {
  status: string;
  run_config: { error?: string };
  steps: Record<string, { status: string; message: string; attempts: { status: string }[] }>;
}
const runLog = (dir: string, id: string): RunLogView => JSON.parse(runCli(["show", id, "--json"], { cwd: dir }).stdout) as RunLogView;

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts the built CLI, sends `signal` once `ready` holds, and resolves to its exit code and output. */
async function interrupt(dir: string, args: string[], ready: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await until(ready, "the step to start");
  child.kill(signal);
  return { code: await exited, stdout, stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped) counts as gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

describe("interrupting `runnable execute` (built CLI, child process)", () => {
  it("SIGINT during a function step: the task's signal is aborted, the run ends FAIL saying it was interrupted, exit 130, and retry resumes it", async () => {
    const dir = project();
    const result = await interrupt(dir, ["execute", "pipeline.yaml", "--run-id", "int1"], () => existsSync(join(dir, "wait-started")), "SIGINT");
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/interrupted by SIGINT/);
    expect(readFileSync(join(dir, "wait-aborted"), "utf8")).toMatch(/interrupted by SIGINT/);
    const log = runLog(dir, "int1");
    expect(log.status).toBe("FAIL");
    expect(log.steps.wait).toMatchObject({ status: "FAIL", message: expect.stringMatching(/cancelled: the run was interrupted by SIGINT/) });
    expect(log.run_config.error).toMatch(/interrupted by SIGINT/);
    expect(log.steps.shell).toBeUndefined();

    writeFileSync(join(dir, "release"), "");
    const retry = runCli(["retry", "int1"], { cwd: dir });
    expect(retry.stderr).toBe("");
    expect(retry.code).toBe(0);
    const after = runLog(dir, "int1");
    expect(after.status).toBe("SUCCESS");
    expect(after.steps.wait?.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);
    expect(after.run_config.error).toBeUndefined();
  });

  it("SIGTERM during a shell step: the shell and its children are killed, the run ends FAIL, exit 143, and retry resumes from that step", async () => {
    const dir = project();
    writeFileSync(join(dir, "release"), ""); // `wait` returns at once; the shell step blocks
    writeFileSync(join(dir, "pipeline.yaml"), PIPELINE.replace("if [ -f release ]", "if [ -f release-shell ]"));
    const pidFile = (name: string): string => join(dir, `${name}.pid`);
    const written = (name: string): boolean => existsSync(pidFile(name)) && readFileSync(pidFile(name), "utf8").trim() !== "";
    const result = await interrupt(dir, ["execute", "pipeline.yaml", "--run-id", "int2"], () => written("shell") && written("sleep"), "SIGTERM");
    expect(result.code).toBe(143);
    // The shell and its child `sleep 60` are both gone.
    const pids = ["shell", "sleep"].map((name) => Number(readFileSync(pidFile(name), "utf8")));
    await until(() => pids.every((pid) => !alive(pid)), "the shell and its child to be killed", 5_000);
    const log = runLog(dir, "int2");
    expect(log.status).toBe("FAIL");
    expect(log.steps.wait?.status).toBe("SUCCESS");
    expect(log.steps.shell).toMatchObject({ status: "FAIL", message: expect.stringMatching(/interrupted by SIGTERM/) });

    writeFileSync(join(dir, "release-shell"), "");
    const retry = runCli(["retry", "int2"], { cwd: dir });
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/skip {2}wait/);
    expect(runLog(dir, "int2").status).toBe("SUCCESS");
    expect(readFileSync(join(dir, "wait-runs"), "utf8")).toBe("x");
  });
});

describe("interrupting a task that ignores its signal (built CLI, child process)", () => {
  it("still ends the run FAIL and exits 130 promptly, without waiting for the task", async () => {
    const dir = project();
    writeFileSync(join(dir, "stubborn.yaml"), PIPELINE.replace("#wait", "#stubborn"));
    const started = Date.now();
    const result = await interrupt(dir, ["execute", "stubborn.yaml", "--run-id", "st1"], () => existsSync(join(dir, "stubborn-started")), "SIGINT");
    expect(result.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(runLog(dir, "st1")).toMatchObject({ status: "FAIL", steps: { wait: { status: "FAIL", message: expect.stringMatching(/interrupted by SIGINT/) } } });
  });
});

describe("a task calling process.exit() (built CLI, child process)", () => {
  it("records the running step and the run as FAIL saying the process exited, keeps the exit code, and retry resumes", () => {
    const dir = project();
    const result = runCli(["execute", "exiting.yaml", "--run-id", "ex1"], { cwd: dir });
    expect(result.code).toBe(3);
    const log = runLog(dir, "ex1");
    expect(log.status).toBe("FAIL");
    expect(log.steps.first?.status).toBe("SUCCESS");
    expect(log.steps.bye).toMatchObject({ status: "FAIL", message: expect.stringMatching(/process exited \(exit code 3\)/) });
    expect(log.run_config.error).toMatch(/process exited \(exit code 3\) before the run ended/);
    // The run is resumable: the step that succeeded is skipped.
    const retry = runCli(["retry", "ex1"], { cwd: dir, env: { EXIT_WITH: "4" } });
    expect(retry.stdout).toMatch(/skip {2}first/);
    expect(retry.code).toBe(4);
    expect(runLog(dir, "ex1").status).toBe("FAIL");
  });

  it("turns process.exit(0) mid-run into exit code 1: an exit 0 means the run succeeded", () => {
    const dir = project();
    const result = runCli(["execute", "exiting.yaml", "--run-id", "ex2"], { cwd: dir, env: { EXIT_WITH: "0" } });
    expect(result.code).toBe(1);
    expect(runLog(dir, "ex2")).toMatchObject({ status: "FAIL", steps: { bye: { status: "FAIL" } } });
  });

  it("does the same under the file-system store", () => {
    const dir = project();
    writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: { type: file-system }\n");
    const result = runCli(["execute", "exiting.yaml", "--run-id", "ex3"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(runLog(dir, "ex3")).toMatchObject({ status: "FAIL", steps: { bye: { status: "FAIL", message: expect.stringMatching(/process exited/) } } });
  });
});
