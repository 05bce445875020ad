import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";

const SDK = JSON.stringify(join(__dirname, "..", "packages", "sdk"));

function project(executor: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-job-")));
  writeFileSync(join(dir, "runnable-config.yaml"), `job-executor: { type: ${executor} }\nrun-log-store: { type: chunked-fs }\n`);
  writeFileSync(
    join(dir, "jobs.js"),
    `const { FunctionJob, ShellJob, metric } = require(${SDK});
const fs = require("fs");
exports.job = new FunctionJob({ returns: ["greeting", metric("size")], catalog: { put: ["out.txt"] },
  fn: ({ who = "world" }) => { fs.writeFileSync("argv.txt", process.argv.slice(2).join(" ")); fs.writeFileSync("out.txt", "hello " + who); console.log("wrote out.txt"); return ["hello " + who, who.length]; } });
exports.failing = new FunctionJob({ fn: () => { throw new Error("job broke"); } });
exports.shell = new ShellJob({ command: 'echo shell job; export answer=42', returns: ["answer"] });
exports.shellFailing = new ShellJob({ command: 'echo nope >&2; exit 3' });
`,
  );
  return dir;
}

const show = (dir: string, id: string) =>
  JSON.parse(runCli(["show", id, "--json"], { cwd: dir }).stdout) as {
    status: string;
    dag_hash: string | null;
    steps: Record<string, unknown>;
    parameters: Record<string, { kind: string; value: unknown }>;
    job: { status: string; message: string; attempts: { status: string; output_parameters: Record<string, unknown> }[]; data_catalog: { name: string; stage: string }[] };
  };

describe.each(["local", "emulator"])("runnable execute-job under the %s job executor", (executor) => {
  it("runs a function job: returns, metrics, catalog put, the job section, exit code 0", () => {
    const dir = project(executor);
    writeFileSync(join(dir, "params.yaml"), "who: jobs\n");
    const out = runCli(["execute-job", "jobs.js", "--run-id", "j1", "-p", "params.yaml"], { cwd: dir });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("job j1: SUCCESS\n");
    const log = show(dir, "j1");
    expect(log).toMatchObject({ status: "SUCCESS", dag_hash: null, steps: {} });
    expect(log.parameters).toMatchObject({ greeting: { kind: "json", value: "hello jobs" }, size: { kind: "metric", value: 4 } });
    expect(log.job.status).toBe("SUCCESS");
    expect(log.job.attempts).toHaveLength(1);
    expect(log.job.data_catalog).toEqual([expect.objectContaining({ name: "out.txt", stage: "put" })]);
    expect(existsSync(join(dir, ".catalog", "j1", "out.txt"))).toBe(true);
    expect(existsSync(join(dir, ".catalog", "j1", "job.attempt1.execution.log"))).toBe(true);
    // The job ran in the CLI process (local) or in a process of its own (emulator).
    expect(readFileSync(join(dir, "argv.txt"), "utf8")).toMatch(executor === "local" ? /^execute-job / : /^execute-single-node j1 .*jobs\.js job --job/);
  });

  it("exits non-zero for a failing function job, recording why", () => {
    const dir = project(executor);
    const out = runCli(["execute-job", "jobs.js", "--export", "failing", "--run-id", "j2"], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("job j2: FAIL  — job broke\n");
    expect(show(dir, "j2")).toMatchObject({ status: "FAIL", job: { status: "FAIL", message: "job broke" } });
  });

  it("runs shell jobs, succeeding and failing", () => {
    const dir = project(executor);
    expect(runCli(["execute-job", "jobs.js", "--export", "shell", "--run-id", "j3"], { cwd: dir }).code).toBe(0);
    expect(show(dir, "j3").parameters.answer?.value).toBe(42);
    const failed = runCli(["execute-job", "jobs.js", "--export", "shellFailing", "--run-id", "j4"], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(show(dir, "j4").job.message).toBe("command exited with code 3: nope");
  });
});
