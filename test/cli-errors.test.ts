import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFixtureProject, manifest, type FixtureProject } from "@runnable-ts/testing";
import { runCli } from "./support/cli";

const FUNCTIONS = `
exports.one = () => 1;
exports.hang = () => new Promise(() => {});
`;
const PIPELINE = `
dag:
  start_at: one
  steps:
    one: { type: task, command: ./fns.js#one, returns: [a], next: success }
`;
const LOOP = `
dag:
  start_at: loop
  steps:
    loop:
      type: loop
      max_iterations: 2
      break_on: done
      index_as: i
      next: success
      branch:
        start_at: one
        steps:
          one: { type: task, command: ./fns.js#one, returns: [done], next: success }
`;

/** A project folder two levels below a fresh temp folder, so "../../x" stays inside the temp folder. */
function project(files: Record<string, string> = {}): { root: string; dir: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "runnable-errors-")));
  const dir = join(root, "a", "b");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "fns.js"), FUNCTIONS);
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { root, dir };
}

/** What every user error must look like: one `error[CODE]:` block, no stack trace. */
function expectErrorBlock(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^error\\[${code}\\]: `));
  expect(stderr.match(/error\[/g)).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
}

describe("run ids on the command line (built CLI)", () => {
  it.each([
    [["execute", "pipeline.yaml", "--run-id", "../../escape"]],
    [["execute", "pipeline.yaml", "--run-id", ""]],
    [["execute", "pipeline.yaml", "--run-id", "x".repeat(300)]], // 300 characters: ENAMETOOLONG before
    [["execute-job", "job.js", "--run-id", "../../escape"]],
    [["show", "../../escape"]],
    [["retry", "../../escape"]],
    [["execute-single-node", "../../escape", "pipeline.yaml", "one"]],
    [["fan", "../../escape", "pipeline.yaml", "one", "out"]],
  ])("`runnable %j` is refused with E_RUN_ID_INVALID, exit 2, and writes nothing", (args) => {
    const { root, dir } = project();
    const result = runCli(args, { cwd: dir });
    expect(result.code).toBe(2);
    expectErrorBlock(result.stderr, "E_RUN_ID_INVALID");
    expect(result.stderr).not.toMatch(/ENAMETOOLONG/);
    expect(readdirSync(root).sort()).toEqual(["a"]);
    expect(existsSync(join(dir, ".run_log_store"))).toBe(false);
  });

  it("refuses RUNNABLE_RUN_ID=../../escape the same way", () => {
    const { root, dir } = project();
    const result = runCli(["execute", "pipeline.yaml"], { cwd: dir, env: { RUNNABLE_RUN_ID: "../../escape" } });
    expect(result.code).toBe(2);
    expectErrorBlock(result.stderr, "E_RUN_ID_INVALID");
    expect(result.stderr).toMatch(/RUNNABLE_RUN_ID/);
    expect(readdirSync(root)).toEqual(["a"]);
  });
});

describe("a plugin whose import never settles (built CLI)", () => {
  let fixture: FixtureProject;
  beforeAll(() => {
    fixture = createFixtureProject({
      packageJson: { dependencies: { "hung-store": "1" } },
      installed: {
        "hung-store": {
          packageJson: { type: "module", runnable: manifest("run-log-store", "hung", "./index.js#hung") },
          files: { "index.js": "await new Promise(() => {});\nexport const hung = {};\n" },
        },
      },
      link: ["@runnable-ts/sdk"],
      files: { "runnable-config.yaml": "run-log-store: { type: hung }\n", "fns.js": FUNCTIONS, "pipeline.yaml": PIPELINE },
    });
  });
  afterAll(() => fixture.remove());

  it("fails with E_PLUGIN_TIMEOUT naming the plugin after RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS, exit 1 (not a silent exit 0)", () => {
    const started = Date.now();
    const result = runCli(["execute", "pipeline.yaml"], { cwd: fixture.dir, env: { RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS: "300" } });
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_PLUGIN_TIMEOUT");
    expect(result.stderr).toMatch(/run-log-store\/hung from hung-store/);
    expect(result.stderr).toMatch(/within 300 ms/);
    expect(result.stdout).toBe("");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("rejects a RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS that is not a positive number", () => {
    const result = runCli(["execute", "pipeline.yaml"], { cwd: fixture.dir, env: { RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS: "soon" } });
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_CONFIG_INVALID");
    expect(result.stderr).toMatch(/RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS/);
  });
});

describe("never exit 0 unless the run succeeded (built CLI)", () => {
  it("a task whose promise never settles: the event loop drains, the CLI exits 1 and the run log ends FAIL", () => {
    const { dir } = project({ "hang.yaml": PIPELINE.replace("#one", "#hang") });
    const result = runCli(["execute", "hang.yaml", "--run-id", "hang1"], { cwd: dir });
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_INTERNAL");
    expect(result.stderr).toMatch(/never settles/);
    const log = JSON.parse(runCli(["show", "hang1", "--json"], { cwd: dir }).stdout) as { status: string; steps: Record<string, { status: string; message: string }> };
    expect(log.status).toBe("FAIL");
    expect(log.steps.one).toMatchObject({ status: "FAIL", message: expect.stringMatching(/process exited/) });
  });
});

describe("every user error is one error[CODE] block without a stack trace (built CLI)", () => {
  it("a YAML pipeline over the parser's alias limit is E_GRAPH_INVALID", () => {
    const aliases = Array.from({ length: 2000 }, (_, i) => `  k${i}: *a`).join("\n");
    const { dir } = project({ "bomb.yaml": `anchors:\n  x: &a [1, 2, 3]\nmore:\n${aliases}\n${PIPELINE}` });
    const result = runCli(["execute", "bomb.yaml"], { cwd: dir });
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_GRAPH_INVALID");
    expect(result.stderr).toMatch(/bomb\.yaml/);
  });

  it("a misspelled key in a YAML step is E_GRAPH_INVALID at file:line:col with a suggestion, before any run exists", () => {
    const { dir } = project({ "typo.yaml": PIPELINE.replace("returns: [a]", "retuns: [a]") });
    const result = runCli(["execute", "typo.yaml"], { cwd: dir });
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_GRAPH_INVALID");
    expect(result.stderr).toMatch(/typo\.yaml:5:\d+: step "one": unknown key "retuns" \(did you mean "returns"\?\)/);
    expect(existsSync(join(dir, ".run_log_store"))).toBe(false);
  });

  it("a corrupt file-system run log is reported as a coded error when shown", () => {
    const { dir } = project({ "runnable-config.yaml": "run-log-store: { type: file-system }\n" });
    mkdirSync(join(dir, ".run_log_store"));
    writeFileSync(join(dir, ".run_log_store", "bad.json"), "{ not json");
    const result = runCli(["show", "bad"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error\[E_[A-Z_]+\]: /);
    expect(result.stderr.match(/error\[/g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
  });

  it("RUNNABLE_DEBUG=1 adds the stack trace", () => {
    const { dir } = project({ "runnable-config.yaml": "run-log-store: { type: file-system }\n" });
    mkdirSync(join(dir, ".run_log_store"));
    writeFileSync(join(dir, ".run_log_store", "bad.json"), "{ not json");
    const result = runCli(["show", "bad"], { cwd: dir, env: { RUNNABLE_DEBUG: "1" } });
    expect(result.stderr).toMatch(/^error\[E_[A-Z_]+\]: /);
    expect(result.stderr).toMatch(/stack:\n.*\n\s+at /);
  });

  it("fan on a loop step is E_NOT_FANNABLE", () => {
    const { dir } = project({ "loop.yaml": LOOP });
    expect(runCli(["execute-single-node", "fan1", "loop.yaml", "loop", "--create"], { cwd: dir }).code).not.toBeNull();
    const result = runCli(["fan", "fan1", "loop.yaml", "loop", "out"], { cwd: dir });
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_NOT_FANNABLE");
    expect(result.stderr).toMatch(/loop/);
  });

  it("a store folder the user may not write is E_STORE naming the store, the path and what to do (the IO error's help)", () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions: use a path under a file instead (ENOTDIR), the same kind of error.
      const { dir } = project({ "runnable-config.yaml": "run-log-store: { type: chunked-fs, config: { log_folder: fns.js/logs } }\n" });
      const result = runCli(["execute", "pipeline.yaml"], { cwd: dir });
      expect(result.code).toBe(1);
      expectErrorBlock(result.stderr, "E_STORE");
      expect(result.stderr).toMatch(/run-log store "chunked-fs"/);
      expect(result.stderr).toMatch(/fns\.js\/logs/);
      expect(result.stderr).toMatch(/help: /);
      return;
    }
    const { dir } = project();
    mkdirSync(join(dir, "locked"));
    chmodSync(join(dir, "locked"), 0o500);
    writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: { type: chunked-fs, config: { log_folder: locked/logs } }\n");
    const result = runCli(["execute", "pipeline.yaml"], { cwd: dir });
    chmodSync(join(dir, "locked"), 0o700);
    expect(result.code).toBe(1);
    expectErrorBlock(result.stderr, "E_STORE");
    expect(result.stderr).toMatch(/EACCES/);
    expect(result.stderr).toMatch(/locked\/logs/);
  });

  it("an unreadable pipeline file is E_IO, a missing one E_GRAPH_INVALID", () => {
    const { dir } = project();
    const missing = runCli(["execute", "nope.yaml"], { cwd: dir });
    expectErrorBlock(missing.stderr, "E_GRAPH_INVALID");
    expect(missing.stderr).toMatch(/does not exist/);
    mkdirSync(join(dir, "folder.yaml"));
    const folder = runCli(["execute", "folder.yaml"], { cwd: dir });
    expectErrorBlock(folder.stderr, "E_IO");
    expect(folder.stderr).toMatch(/EISDIR/);
  });
});

describe("--quiet and --json on every command that runs something (built CLI)", () => {
  const JOB = `const { FunctionJob } = require("@runnable-ts/sdk");\nexports.job = new FunctionJob({ fn: () => 7, returns: ["seven"] });\n`;

  it("execute-job takes --quiet (one line) and --json (the run log only)", () => {
    const { dir } = project({ "job.js": JOB });
    // The job module requires the SDK: resolve it from this checkout.
    const env = { NODE_PATH: join(__dirname, "..", "node_modules") };
    const quiet = runCli(["execute-job", "job.js", "--run-id", "j1", "--quiet"], { cwd: dir, env });
    expect(quiet.stderr).toBe("");
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe("job j1: SUCCESS\n");
    const json = runCli(["execute-job", "job.js", "--run-id", "j2", "--json"], { cwd: dir, env });
    expect(JSON.parse(json.stdout)).toMatchObject({ run_id: "j2", status: "SUCCESS", parameters: { seven: { value: 7 } } });
  });

  it("execute-single-node prints one line, or the run log with --json", () => {
    const { dir } = project();
    const quiet = runCli(["execute-single-node", "s1", "pipeline.yaml", "one", "--create", "--quiet"], { cwd: dir });
    expect(quiet.stderr).toBe("");
    expect(quiet.stdout).toBe("run s1 step one: SUCCESS\n");
    const json = runCli(["execute-single-node", "s1", "pipeline.yaml", "success", "--json"], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ run_id: "s1", status: "SUCCESS", steps: { one: { status: "SUCCESS" } } });
  });
});
