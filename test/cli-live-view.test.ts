/* eslint-disable no-control-regex -- the live view is tested by the ANSI escape sequences it draws */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StepLog } from "@runnable-ts/sdk";
import { createRunView } from "../packages/cli/src/run-view";
import { CLI, runCli } from "./support/cli";
import { seeingDir } from "./support/seeing";

const ANSI = /\x1b\[/;

/** Runs the CLI under a pseudo-TTY with util-linux `script`; resolves to what it drew. */
function underTty(args: string[], cwd: string): { code: number | null; screen: string } {
  if (!existsSync("/usr/bin/script")) throw new Error("The live-view tests need util-linux `script` at /usr/bin/script (apt-get install -y util-linux)");
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(" ");
  const result = spawnSync("script", ["-qfec", command, "/dev/null"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, screen: result.stdout };
}

interface Event {
  type: string;
  line?: string;
  step: string;
  run_id: string;
  timestamp: string;
  attempt?: number;
  status?: string;
}

describe("live view, plain lines and --events (built CLI)", () => {
  it("under a pseudo-TTY redraws a tree of steps in place, then prints a summary with the next commands", () => {
    const dir = seeingDir();
    const { code, screen } = underTty(["execute", "nested.yaml", "-p", "params.yaml", "--run-id", "live1"], dir);
    expect(code).toBe(0);
    expect(screen).toContain("\x1b[?25l"); // cursor hidden while drawing
    expect(screen).toMatch(/\x1b\[\d+F\x1b\[2K/); // back to the frame's first line, cleared: in-place redraw
    expect(screen).toContain("\x1b[0J");
    expect(screen).toMatch(/flaky {2}(PROCESSING|SUCCESS) {2}\d+ms {2}attempt 2/);
    expect(screen).toMatch(/work {2}(PROCESSING|SUCCESS) {2}\d+ms {2}› working on [12][ab]/); // the last line the task printed
    expect(screen).toContain("\x1b[?25h"); // cursor back
    const summary = screen.slice(screen.lastIndexOf("\x1b[?25h"));
    expect(summary).toMatch(/run live1: \x1b\[32mSUCCESS\x1b\[0m {2}\(21 SUCCESS; \d+(ms|\.\ds)\)/);
    expect(summary).toContain("runnable show live1");
    expect(summary).toContain("runnable timeline live1");
  });

  it("without a TTY prints one plain line per finished step and no ANSI", () => {
    const dir = seeingDir();
    const result = runCli(["execute", "failing.yaml", "--run-id", "plain1"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stdout.trim().split("\n")).toEqual(["ok    ok", "FAIL  broken  — command exited with code 3", "ok    fail", "run plain1: FAIL"]);
  });

  it("--events prints every lifecycle event as one JSON line, in order, and nothing else", () => {
    const dir = seeingDir();
    const result = runCli(["execute", "nested.yaml", "-p", "params.yaml", "--run-id", "ev1", "--events"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(ANSI);
    const events = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as Event);
    for (const e of events) expect(e).toMatchObject({ run_id: "ev1", step: expect.any(String), timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    expect(events[0]!.type).toBe("pipeline_started");
    expect(events[events.length - 1]).toMatchObject({ type: "pipeline_completed", status: "SUCCESS" });
    const index = (type: string, step: string, attempt?: number): number =>
      events.findIndex((e) => e.type === type && e.step === step && (attempt === undefined || e.attempt === attempt));
    for (const step of ["start", "par", "par.left.hello", "outer", "outer.2.inner.b.work", "flaky", "success"]) {
      expect(index("step_started", step)).toBeGreaterThan(0);
      expect(index("step_completed", step)).toBeGreaterThan(index("step_started", step));
    }
    expect(index("step_started", "outer.1.inner")).toBeGreaterThan(index("step_started", "outer"));
    expect(index("step_completed", "outer")).toBeGreaterThan(index("step_completed", "outer.2.inner"));
    const flaky = events.filter((e) => e.step === "flaky").map((e) => `${e.type}${e.attempt ? `#${e.attempt}` : ""}`);
    expect(flaky).toEqual(["step_started", "task_started#1", "task_output#1", "task_error#1", "task_started#2", "task_completed#2", "step_completed"]);
    expect(events.find((e) => e.type === "task_output" && e.step === "outer.2.inner.a.work")).toMatchObject({ line: "working on 2a", attempt: 1 });
    const times = events.map((e) => Date.parse(e.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("task output in events has secrets masked", () => {
    const dir = seeingDir();
    writeFileSync(join(dir, "secret.yaml"), "dag:\n  start_at: leak\n  steps:\n    leak: { type: task, command_type: shell, command: 'echo token is $TOKEN', secrets: [TOKEN], next: success }\n");
    const result = runCli(["execute", "secret.yaml", "--events"], { cwd: dir, env: { TOKEN: "s3cr3t-value" } });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("s3cr3t-value");
    const output = result.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Event).find((e) => e.type === "task_output");
    expect(output).toMatchObject({ step: "leak", line: "token is ***" });
  });

  it("--events works for retry, execute-job and execute-single-node too", () => {
    const dir = seeingDir();
    expect(runCli(["execute", "failing.yaml", "--run-id", "ev2", "--quiet"], { cwd: dir }).stdout.trim()).toBe("run ev2: FAIL");
    const retry = runCli(["retry", "ev2", "--events"], { cwd: dir });
    const types = retry.stdout.trimEnd().split("\n").map((l) => (JSON.parse(l) as Event).type);
    expect(types[0]).toBe("pipeline_started");
    expect(types).toContain("step_skipped");
    expect(types[types.length - 1]).toBe("pipeline_completed");
    const single = runCli(["execute-single-node", "ev2", "failing.yaml", "broken", "--events"], { cwd: dir });
    const singleEvents = single.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Event);
    expect(singleEvents.map((e) => e.type)).toEqual(["step_started", "task_started", "task_output", "task_error", "step_completed"]);
    expect(singleEvents[2]).toMatchObject({ line: "about to fail" });
    expect(singleEvents[1]).toMatchObject({ step: "broken", run_id: "ev2" });
    writeFileSync(join(dir, "job.js"), `const { ShellJob } = require(${JSON.stringify(join(__dirname, "..", "packages", "sdk"))});\nexports.job = new ShellJob({ command: "echo job" });\n`);
    const job = runCli(["execute-job", "job.js", "--run-id", "ev3", "--events"], { cwd: dir });
    expect(job.code).toBe(0);
    const jobEvents = job.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Event);
    expect(jobEvents.map((e) => e.type)).toEqual(expect.arrayContaining(["task_started", "task_completed"]));
    for (const e of jobEvents) expect(e.run_id).toBe("ev3");
  });
});

describe("what each view asks the run to build", () => {
  const output = (tty: boolean, lines: string[] = []) => ({ out: (t: string) => void lines.push(t), err: () => undefined, tty, rows: 10, columns: 80 });
  it("--quiet and --json need no events, plain lines only the step lifecycle, the live view (which samples the run's progress) task output and skips, --events everything", () => {
    expect(createRunView({ json: false, quiet: true }, output(true)).needs).toBeUndefined();
    expect(createRunView({ json: true, quiet: false }, output(true)).needs).toBeUndefined();
    expect(createRunView({ json: false, quiet: false }, output(false)).needs).toEqual({ previews: false, output: false, tasks: false });
    expect(createRunView({ json: false, quiet: false }, output(true)).needs).toEqual({ previews: false, output: true, tasks: false, steps: false });
    expect(createRunView({ json: false, quiet: false, events: true }, output(false)).needs).toEqual({ previews: true, output: true });
  });

  it("the live view samples the run's progress on its timer and keeps a frame to the terminal's rows however many steps finished", () => {
    jest.useFakeTimers();
    try {
      const lines: string[] = [];
      const view = createRunView({ json: false, quiet: false }, output(true, lines));
      const log = (name: string, status: string, attempts: { status: string; message: string }[] = []): StepLog =>
        ({ name, internal_name: name, status, step_type: "task", message: status === "FAIL" ? (attempts.at(-1)?.message ?? "") : "", mock: false, branches: {}, data_catalog: [],
          attempts: attempts.map((a, i) => ({ attempt_number: i + 1, start_time: "2026-01-01T00:00:00.000Z", end_time: "2026-01-01T00:00:00.250Z", status: a.status, message: a.message, input_parameters: {}, output_parameters: {}, user_defined_metrics: {}, retry_indicator: "", code_identities: [] })) }) as StepLog;
      const running = new Map<string, StepLog>();
      const finished = new Map<string, number>();
      const recent: StepLog[] = [];
      view.watch!({ running, finished, recent });
      running.set("s0", log("s0", "PROCESSING", [{ status: "FAIL", message: "flaked" }]));
      expect(lines).toHaveLength(0); // frames come on the timer, not per step
      jest.advanceTimersByTime(20);
      expect(lines).toHaveLength(1);
      // A running step after a failed attempt: the next attempt, and why the last one failed.
      expect(lines[0]).toMatch(/s0 {2}PROCESSING {2}\d+ms {2}attempt 2 {2}— flaked/);
      running.delete("s0");
      for (let i = 0; i < 5000; i++) {
        const done = i === 4998 ? log(`s${i}`, "FAIL", [{ status: "FAIL", message: "boom" }]) : log(`s${i}`, "SUCCESS", [{ status: "SUCCESS", message: "" }]);
        recent.push(done);
        finished.set(done.status, (finished.get(done.status) ?? 0) + 1);
      }
      running.set("last", log("last", "PROCESSING"));
      view.onEvent({ type: "task_output", step: "last", line: "half way", run_id: "r", timestamp: "" });
      view.finish({ runId: "r", status: "FAIL", runLog: { status: "FAIL", steps: {}, run_config: {} } as never });
      // The last frame (written with the summary): a line for what is hidden, then rows − 2 steps (the latest finished, then the running ones).
      const last = lines[lines.length - 1]!;
      expect(last).toMatch(/run r: .*FAIL.*\(4999 SUCCESS, 1 FAIL;/);
      const frame = last.slice(0, last.indexOf("\x1b[?25h")).split("\n").filter(Boolean);
      expect(frame).toHaveLength(9);
      expect(frame[0]).toMatch(/… 4993 more steps finished/);
      expect(frame.slice(-3).map((l) => l.replace(/\x1b\[[\d;?]*[A-Za-z]/g, ""))).toEqual([
        expect.stringMatching(/^✗ s4998 {2}FAIL {2}250ms {2}— boom$/),
        expect.stringMatching(/^✓ s4999 {2}SUCCESS {2}250ms$/),
        expect.stringMatching(/^. last {2}PROCESSING {2}\d+ms {2}› half way$/),
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});
