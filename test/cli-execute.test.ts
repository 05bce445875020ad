import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";

const EXAMPLES = join(__dirname, "..", "packages", "examples");

/** A working directory holding the YAML examples and the TypeScript functions they name. */
function exampleDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-cli-")));
  mkdirSync(join(dir, "src"));
  copyFileSync(join(EXAMPLES, "src", "functions.ts"), join(dir, "src", "functions.ts"));
  for (const f of ["tasks.yaml", "map.yaml", "conditional.yaml"]) copyFileSync(join(EXAMPLES, "yaml", f), join(dir, f));
  return dir;
}

describe("runnable execute / show / runs (built CLI, child process)", () => {
  it("runs a YAML pipeline whose functions are TypeScript, and shows its run log", () => {
    const dir = exampleDir();
    const exec = runCli(["execute", "tasks.yaml", "--run-id", "yaml-tasks", "--tag", "t1"], { cwd: dir });
    expect(exec.stderr).toBe("");
    expect(exec.code).toBe(0);
    expect(exec.stdout).toMatch(/ok {4}hello\nok {4}shell\nok {4}placeholder\nok {4}success\nrun yaml-tasks: SUCCESS/);
    const shown = runCli(["show", "yaml-tasks", "--json"], { cwd: dir });
    const log = JSON.parse(shown.stdout) as { status: string; tag: string; parameters: Record<string, { value: unknown }>; run_config: Record<string, unknown> };
    expect(log).toMatchObject({ status: "SUCCESS", tag: "t1" });
    expect(log.parameters.greeting?.value).toBe("Hello World!");
    expect(log.run_config).toMatchObject({ execution_mode: "yaml", pipeline_definition_file: join(dir, "tasks.yaml") });
    const tree = runCli(["show", "yaml-tasks"], { cwd: dir });
    expect(tree.stdout).toMatch(/^run yaml-tasks {2}SUCCESS {2}tag=t1\n {2}hello {2}\[task\] {2}SUCCESS {2}attempts=1/);
    const runs = runCli(["runs", "--json"], { cwd: dir });
    expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ run_id: "yaml-tasks", status: "SUCCESS", tag: "t1" })]);
  });

  it("runs a YAML map with anchors, named reducers and metric returns, with parameters from -p and env", () => {
    const dir = exampleDir();
    writeFileSync(join(dir, "params.yaml"), "multiplier: 2\n");
    const exec = runCli(["execute", "map.yaml", "-p", "params.yaml", "--run-id", "m1", "--json"], { cwd: dir });
    expect(exec.code).toBe(0);
    const log = JSON.parse(exec.stdout) as { parameters: Record<string, { kind: string; value: unknown }> };
    expect(log.parameters.processed).toEqual({ kind: "metric", value: 12 });
    const viaEnv = runCli(["execute", "map.yaml", "--run-id", "m2", "--json"], { cwd: dir, env: { RUNNABLE_PRM_multiplier: "3" } });
    expect((JSON.parse(viaEnv.stdout) as typeof log).parameters.processed?.value).toBe(18);
  });

  it("exits non-zero when the run fails (a conditional value with no branch)", () => {
    const dir = exampleDir();
    writeFileSync(join(dir, "src", "functions.ts"), "export const toss = () => 'edge';\n");
    const exec = runCli(["execute", "conditional.yaml", "--run-id", "c1"], { cwd: dir });
    expect(exec.code).toBe(1);
    expect(exec.stdout).toContain('FAIL  conditional  — no branch for toss = "edge"; branches: heads, tails');
    expect(exec.stdout).toContain("run c1: FAIL");
  });

  it("runs an SDK module exporting `pipeline`", () => {
    const dir = exampleDir();
    writeFileSync(
      join(dir, "pipeline.ts"),
      `import { Pipeline, FunctionTask } from "@runnable-ts/sdk";\nexport const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "one", fn: () => 41 + 1, returns: ["answer"] })] });\n`,
    );
    mkdirSync(join(dir, "node_modules", "@runnable-ts"), { recursive: true });
    symlinkSync(join(__dirname, "..", "packages", "sdk"), join(dir, "node_modules", "@runnable-ts", "sdk"));
    const exec = runCli(["execute", "pipeline.ts", "--run-id", "sdk1", "--quiet"], { cwd: dir });
    expect(exec.stderr).toBe("");
    expect(exec.stdout).toBe("run sdk1: SUCCESS\n");
    const log = JSON.parse(runCli(["show", "sdk1", "--json"], { cwd: dir }).stdout) as { parameters: Record<string, { value: unknown }>; run_config: Record<string, unknown> };
    expect(log.parameters.answer?.value).toBe(42);
    expect(log.run_config).toMatchObject({ execution_mode: "sdk", pipeline_definition_file: join(dir, "pipeline.ts"), pipeline_definition_export: "pipeline" });
  });

  it("reports bad YAML with its line, before any run log is created", () => {
    const dir = exampleDir();
    writeFileSync(join(dir, "broken.yaml"), "dag:\n  start_at: a\n  steps:\n    a: { type: task\n");
    const exec = runCli(["execute", "broken.yaml"], { cwd: dir });
    expect(exec.code).toBe(1);
    expect(exec.stderr).toMatch(/error\[E_GRAPH_INVALID\]: .*broken\.yaml:5:\d+: /s);
    expect(runCli(["runs", "--json"], { cwd: dir }).stdout.trim()).toBe("[]");
  });
});
