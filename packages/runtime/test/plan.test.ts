import { conditionalNode } from "@runnable-ts/node-conditional";
import { failNode } from "@runnable-ts/node-fail";
import { loopNode } from "@runnable-ts/node-loop";
import { mapNode } from "@runnable-ts/node-map";
import { parallelNode } from "@runnable-ts/node-parallel";
import { stubNode } from "@runnable-ts/node-stub";
import { successNode } from "@runnable-ts/node-success";
import { taskNode } from "@runnable-ts/node-task";
import type { NodeType } from "@runnable-ts/sdk";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFixtureProject, manifest, pluginModule } from "@runnable-ts/testing";
import { planOf, runPipeline } from "../src/index";
import { parseYamlPipeline } from "../src/yaml-pipeline";

const create = (plugin: { create: (config: never, deps: never) => unknown }) => plugin.create({} as never, {} as never) as NodeType;
const BUILT_IN = new Map<string, NodeType>(
  Object.entries({ task: taskNode, stub: stubNode, success: successNode, fail: failNode, parallel: parallelNode, map: mapNode, conditional: conditionalNode, loop: loopNode }).map(([n, p]) => [n, create(p)]),
);

const YAML = `
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
          double: { type: task, command_type: shell, command: "echo", next: inner }
          inner:
            type: parallel
            branches:
              a: { start_at: pa, steps: { pa: { type: stub, next: success } } }
            next: success
      next: lp
    lp:
      type: loop
      branch: { start_at: step, steps: { step: { type: task, command: ./fns.js#step, next: success } } }
      max_iterations: 3
      break_on: done
      index_as: i
      next: which
    which:
      type: conditional
      parameter: choice
      branches:
        x: { start_at: sx, steps: { sx: { type: stub, next: success } } }
      on_failure: handler
      next: success
    handler: { type: stub, next: fail }
`;

const plan = planOf(parseYamlPipeline(YAML), BUILT_IN);

describe("planOf", () => {

  it("lists every step with its routing, the implicit terminals and the graph's fail step", () => {
    expect(plan.startAt).toBe("load");
    expect(Object.keys(plan.steps)).toEqual(["load", "m", "lp", "which", "handler", "success", "fail"]);
    expect(plan.steps.load).toMatchObject({ internalName: "load", composite: false, taskType: "function", next: "m", failStep: "fail" });
    expect(plan.steps.which).toMatchObject({ next: "success", onFailure: "handler" });
    expect(plan.steps.which?.failStep).toBeUndefined();
    expect(plan.steps.success).toMatchObject({ terminal: "success", composite: false });
    expect(plan.steps.success?.next).toBeUndefined();
    expect(plan.steps.fail).toMatchObject({ terminal: "fail" });
  });

  it("says which composites can be fanned out, with the commands for a step, a fan-out and a fan-in", () => {
    expect(plan.steps.m).toMatchObject({
      composite: true,
      fannable: true,
      commands: {
        run: ["runnable", "execute-single-node", "<run_id>", "<definition>", "m"],
        fanOut: ["runnable", "fan", "<run_id>", "<definition>", "m", "out"],
        fanIn: ["runnable", "fan", "<run_id>", "<definition>", "m", "in"],
      },
    });
    expect(plan.steps.which).toMatchObject({ composite: true, fannable: true });
    // A loop's next iteration depends on the previous one: it runs as one step.
    expect(plan.steps.lp).toMatchObject({ composite: true, fannable: false, commands: { run: ["runnable", "execute-single-node", "<run_id>", "<definition>", "lp"] } });
    expect(plan.steps.lp?.commands.fanOut).toBeUndefined();
    expect(plan.steps.load?.commands).toEqual({ run: ["runnable", "execute-single-node", "<run_id>", "<definition>", "load"] });
  });

  it("nests sub-graphs by branch key, `*` for keys made at run time, with internal names to fill in", () => {
    const branch = plan.steps.m!.subgraphs!["*"]!;
    expect(branch.branch).toBe("m.*");
    expect(Object.keys(branch.steps)).toEqual(["double", "inner", "success", "fail"]);
    expect(branch.steps.double).toMatchObject({ internalName: "m.*.double", taskType: "shell", next: "inner" });
    const nested = branch.steps.inner!.subgraphs!.a!;
    expect(nested.steps.pa).toMatchObject({ internalName: "m.*.inner.a.pa", composite: false });
    expect(nested.steps.pa?.taskType).toBeUndefined();
    expect(Object.keys(plan.steps.which!.subgraphs!)).toEqual(["x"]);
    expect(Object.keys(plan.steps.lp!.subgraphs!)).toEqual(["*"]);
  });

  it("asks the node types, not their names: a map registered under another name plans the same", () => {
    const renamed = new Map(BUILT_IN);
    renamed.set("each", BUILT_IN.get("map")!);
    const other = planOf(parseYamlPipeline(YAML.replace("type: map", "type: each")), renamed);
    expect(other.steps.m).toMatchObject({ type: "each", composite: true, fannable: true });
    expect(other.steps.m!.subgraphs).toEqual(plan.steps.m!.subgraphs);
  });

  it("takes the command factory of a compiler", () => {
    const custom = planOf(parseYamlPipeline(YAML), BUILT_IN, (kind, step) => ["node", "/app/cli.js", kind, step]);
    expect(custom.steps.m?.commands.fanIn).toEqual(["node", "/app/cli.js", "fan-in", "m"]);
  });

  it("rejects a step whose node type is unknown, naming it", () => {
    expect(() => planOf(parseYamlPipeline(YAML.replace("type: loop", "type: repeat")), BUILT_IN)).toThrow(expect.objectContaining({ code: "E_GRAPH_INVALID", context: { step: "lp", type: "repeat" } }));
  });
});

describe("PipelineRun.plan()", () => {
  it("hands the plan to a pipeline executor plugin (a compiler), which runs nothing", async () => {
    const project = createFixtureProject({
      files: { "runnable-config.yaml": "pipeline-executor: { type: planner }\nrun-log-store: { type: chunked-fs }\n", "fns.js": "exports.load = () => [];\nexports.step = () => 1;\n" },
    });
    project.install("planner", {
      packageJson: { runnable: manifest("pipeline-executor", "planner", "./index.js#planner") },
      files: {
        "index.js": pluginModule({
          format: "cjs",
          exportName: "planner",
          kind: "pipeline-executor",
          name: "planner",
          create: `{ execute: async (run) => { require("fs").writeFileSync(require("path").join(run.services.cwd, "plan.json"), JSON.stringify(run.plan((kind, step) => [kind, step]))); return "SUCCESS"; } }`,
        }),
      },
    });
    project.write("package.json", JSON.stringify({ name: "fixture-project", dependencies: { planner: "1.0.0" } }));
    const result = await runPipeline(parseYamlPipeline(YAML), { definition: { kind: "yaml", file: join(project.dir, "pipeline.yaml") }, cwd: project.dir, env: {}, runId: "p1" });
    expect(result.status).toBe("SUCCESS");
    expect(result.runLog.steps).toEqual({});
    const written = JSON.parse(readFileSync(join(project.dir, "plan.json"), "utf8")) as typeof plan;
    expect(written).toEqual(JSON.parse(JSON.stringify(planOf(parseYamlPipeline(YAML), BUILT_IN, (kind, step) => [kind, step]))));
    expect(written.steps.m?.commands.fanOut).toEqual(["fan-out", "m"]);
    project.remove();
  });
});
