import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";

function dir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "runnable-cli-attempt-")));
  writeFileSync(
    join(d, "fns.js"),
    `exports.load = () => Array.from({ length: 300 }, (_, i) => i);\nexports.double = ({ item }) => item * 2;\nexports.nothing = () => { throw undefined; };\n`,
  );
  return d;
}

describe("one task attempt under the CLI (which observes every event)", () => {
  it("records only what a map iteration read as its input_parameters, not the list it iterates", () => {
    const d = dir();
    writeFileSync(
      join(d, "map.yaml"),
      `dag:\n  start_at: load\n  steps:\n    load:\n      type: task\n      command: ./fns.js#load\n      returns: [{ name: items }]\n      next: m\n    m:\n      type: map\n      iterate_on: items\n      iterate_as: item\n      branch:\n        start_at: w\n        steps:\n          w:\n            type: task\n            command: ./fns.js#double\n            returns: [{ name: d }]\n            next: success\n      next: success\n`,
    );
    const exec = runCli(["execute", "map.yaml", "--run-id", "map1", "--quiet"], { cwd: d });
    expect(exec.code).toBe(0);
    const log = JSON.parse(runCli(["show", "map1", "--json"], { cwd: d }).stdout) as {
      steps: Record<string, { branches: Record<string, { steps: Record<string, { attempts: { input_parameters: Record<string, unknown> }[] }> }> }>;
    };
    const iteration = log.steps.m?.branches["m.42"]?.steps["m.42.w"];
    expect(iteration?.attempts[0]?.input_parameters).toEqual({ item: { kind: "json", value: 42 } });
  });

  it("fails a task that throws undefined, saying so", () => {
    const d = dir();
    writeFileSync(join(d, "t.yaml"), `dag:\n  start_at: t\n  steps:\n    t:\n      type: task\n      command: ./fns.js#nothing\n      next: success\n`);
    const exec = runCli(["execute", "t.yaml", "--run-id", "u1"], { cwd: d });
    expect(exec.code).toBe(1);
    expect(exec.stdout).toContain("the task threw undefined (not an Error)");
  });
});
