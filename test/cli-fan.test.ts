import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";

const PIPELINE = `
dag:
  start_at: load
  steps:
    load: { type: task, command: ./fns.js#load, returns: [items], next: m }
    m:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: double
        steps:
          double: { type: task, command: ./fns.js#double, returns: [doubled], next: success }
      next: par
    par:
      type: parallel
      branches:
        a: { start_at: pa, steps: { pa: { type: task, command: ./fns.js#pa, returns: [from_a], next: success } } }
        b: { start_at: pb, steps: { pb: { type: task, command: ./fns.js#pb, returns: [from_b], next: success } } }
      next: success
`;

describe("orchestrating a run step by step: execute-single-node and fan (built CLI)", () => {
  it("drives a map and a parallel through fan out / steps / fan in to the same run log as local", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-fan-")));
    writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
    writeFileSync(join(dir, "fns.js"), "exports.load = () => [1, 2, 3];\nexports.double = ({ item }) => item * 2;\nexports.pa = ({ doubled }) => doubled.length;\nexports.pb = () => 'b';\n");
    const cli = (...args: string[]) => {
      const r = runCli(args, { cwd: dir });
      if (r.stderr) throw new Error(r.stderr);
      return r;
    };
    expect(cli("execute-single-node", "o1", "pipeline.yaml", "load", "--create").code).toBe(0);
    const out = JSON.parse(cli("fan", "o1", "pipeline.yaml", "m", "out").stdout) as { branches: { key: string; iterVars: Record<string, unknown> }[] };
    expect(out.branches).toEqual([
      { key: "1", iterVars: { item: 1 } },
      { key: "2", iterVars: { item: 2 } },
      { key: "3", iterVars: { item: 3 } },
    ]);
    for (const b of out.branches) {
      expect(cli("execute-single-node", "o1", "pipeline.yaml", `m.${b.key}.double`, "--iter-variable", JSON.stringify(b.iterVars)).code).toBe(0);
      cli("execute-single-node", "o1", "pipeline.yaml", `m.${b.key}.success`, "--iter-variable", JSON.stringify(b.iterVars));
    }
    expect(JSON.parse(cli("fan", "o1", "pipeline.yaml", "m", "in").stdout)).toMatchObject({ status: "SUCCESS" });
    const par = JSON.parse(cli("fan", "o1", "pipeline.yaml", "par", "out").stdout) as { branches: { key: string }[] };
    expect(par.branches.map((b) => b.key)).toEqual(["a", "b"]);
    for (const key of ["a", "b"]) {
      cli("execute-single-node", "o1", "pipeline.yaml", `par.${key}.p${key}`);
      cli("execute-single-node", "o1", "pipeline.yaml", `par.${key}.success`);
    }
    expect(JSON.parse(cli("fan", "o1", "pipeline.yaml", "par", "in").stdout)).toMatchObject({ status: "SUCCESS" });
    cli("execute-single-node", "o1", "pipeline.yaml", "success");
    cli("execute", "pipeline.yaml", "--run-id", "l1", "--quiet");
    const strip = (id: string) => {
      const log = JSON.parse(cli("show", id, "--json").stdout) as { status: string; parameters: unknown; steps: Record<string, { status: string; branches: Record<string, { status: string }> }> };
      return { status: log.status, parameters: log.parameters, steps: Object.fromEntries(Object.entries(log.steps).map(([k, s]) => [k, [s.status, Object.fromEntries(Object.entries(s.branches).map(([b, v]) => [b, v.status]))]])) };
    };
    expect(strip("o1")).toEqual(strip("l1"));
    expect(strip("o1").parameters).toMatchObject({ doubled: { value: [2, 4, 6] }, from_a: { value: 3 }, from_b: { value: "b" } });
  });

  it("refuses to fan in a branch that has not finished", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-fan-")));
    writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
    writeFileSync(join(dir, "fns.js"), "exports.load = () => [1, 2];\nexports.double = ({ item }) => item * 2;\nexports.pa = () => 1;\nexports.pb = () => 2;\n");
    runCli(["execute-single-node", "o2", "pipeline.yaml", "load", "--create"], { cwd: dir });
    runCli(["fan", "o2", "pipeline.yaml", "m", "out"], { cwd: dir });
    const early = runCli(["fan", "o2", "pipeline.yaml", "m", "in"], { cwd: dir });
    expect(early.code).toBe(1);
    expect(JSON.parse(early.stdout)).toMatchObject({ status: "FAIL" });
    const log = JSON.parse(runCli(["show", "o2", "--json"], { cwd: dir }).stdout) as { steps: { m: { message: string } } };
    expect(log.steps.m.message).toMatch(/fan in: branch m\.1 has not finished \(PROCESSING\)/);
  });

  it("refuses to fan out a loop, whose iterations depend on each other, with a coded error and no stack trace", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-fan-")));
    writeFileSync(
      join(dir, "pipeline.yaml"),
      "dag:\n  start_at: lp\n  steps:\n    lp:\n      type: loop\n      branch: { start_at: s, steps: { s: { type: stub, next: success } } }\n      max_iterations: 2\n      break_on: never\n      index_as: i\n      next: success\n",
    );
    expect(runCli(["execute-single-node", "o3", "pipeline.yaml", "success", "--create"], { cwd: dir }).code).toBe(0);
    const fan = runCli(["fan", "o3", "pipeline.yaml", "lp", "out"], { cwd: dir });
    expect(fan.code).toBe(1);
    expect(fan.stderr).toMatch(/^error\[E_NOT_FANNABLE\]: step lp \(loop\) cannot be fanned out: each of its branches depends on the one before/);
    expect(fan.stderr).not.toMatch(/\n\s+at /);
    const log = JSON.parse(runCli(["show", "o3", "--json"], { cwd: dir }).stdout) as { steps: Record<string, unknown> };
    expect(log.steps.lp).toBeUndefined();
  });
});
