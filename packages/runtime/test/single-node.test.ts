import { existsSync } from "node:fs";
import { join } from "node:path";
import { createFixtureProject, manifest, pluginModule, type FixtureProject } from "@runnable-ts/testing";
import type { NodeType } from "@runnable-ts/sdk";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR, executeSingleNode, fanStep, runPipeline } from "../src/index";
import { locateStep } from "../src/single-node";
import { parseYamlPipeline } from "../src/yaml-pipeline";
import { cachedKernel } from "../src/kernel-cache";
import { RunSession } from "../src/session";

// A third-party composite node type, as a package of a project would declare it: plain
// JavaScript, phases only. It runs its one branch twice, as "a" and "b", and records the list
// of what the two runs returned.
const TWICE = `{
  fannable: true,
  subgraphs: (node) => ({ "*": node.branch }),
  branches: async (ctx) => {
    const parameters = await ctx.getParameters();
    const keys = ["a", "b"];
    return { count: 2, request: (i) => ({ key: keys[i], graph: ctx.node.branch, parameters, iterVars: { side: keys[i] } }) };
  },
  merge: async (ctx, outcomes) => {
    if (outcomes.some((o) => o.status !== "SUCCESS")) { ctx.stepLog.message = "a side failed"; return "FAIL"; }
    await ctx.setParameters({ sides: { kind: "json", value: outcomes.map((o) => o.own.side_out && o.own.side_out.value) } });
    return "SUCCESS";
  },
}`;

const PIPELINE = `
dag:
  start_at: tw
  steps:
    tw:
      type: twice
      branch: { start_at: t, steps: { t: { type: task, command_type: shell, command: 'export side_out="got-$side"', returns: [side_out], next: success } } }
      next: lp
    lp:
      type: loop
      branch: { start_at: s, steps: { s: { type: stub, next: success } } }
      max_iterations: 2
      break_on: never
      index_as: i
      next: success
`;

function project(): FixtureProject {
  const p = createFixtureProject({ files: { "runnable-config.yaml": "run-log-store: { type: chunked-fs }\n", "pipeline.yaml": PIPELINE } });
  p.install("twice-node", {
    packageJson: { runnable: manifest("node", "twice", "./index.js#twice") },
    files: { "index.js": pluginModule({ format: "cjs", exportName: "twice", kind: "node", name: "twice", create: TWICE }) },
  });
  p.write("package.json", JSON.stringify({ name: "fixture-project", dependencies: { "twice-node": "1.0.0" } }));
  return p;
}

describe("a third-party composite node type (phases only)", () => {
  it("runs in a pipeline like a built-in one: its branches, its merge", async () => {
    const p = project();
    const result = await runPipeline(parseYamlPipeline(PIPELINE), { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, runId: "t1" });
    expect(result.status).toBe("SUCCESS");
    expect(Object.keys(result.runLog.steps.tw!.branches)).toEqual(["tw.a", "tw.b"]);
    expect(result.runLog.parameters.sides?.value).toEqual(["got-a", "got-b"]);
    p.remove();
  });

  it("fans out and in: branches created, run step by step elsewhere, merged by its own merge", async () => {
    const p = project();
    const graph = parseYamlPipeline(PIPELINE);
    const options = { runId: "f1", cwd: p.dir, env: {} };
    // Without create, a fan of a run that does not exist is refused; the first step of an
    // orchestrated run creates the run log (a fan-out too, when a composite starts the pipeline).
    const out = await fanStep(graph, { ...options, step: "tw", mode: "out" }).catch((e: unknown) => e);
    expect(out).toMatchObject({ code: "E_RUN_NOT_FOUND" });
    await executeSingleNode(graph, { ...options, step: "lp", create: { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` } } });
    const fanned = await fanStep(graph, { ...options, step: "tw", mode: "out" });
    expect(fanned).toEqual({ status: "PROCESSING", branches: [{ key: "a", iterVars: { side: "a" } }, { key: "b", iterVars: { side: "b" } }] });
    for (const b of fanned.branches) {
      await expect(executeSingleNode(graph, { ...options, step: `tw.${b.key}.t`, iterVars: b.iterVars })).resolves.toBe("SUCCESS");
      await executeSingleNode(graph, { ...options, step: `tw.${b.key}.success`, iterVars: b.iterVars });
    }
    await expect(fanStep(graph, { ...options, step: "tw", mode: "in" })).resolves.toEqual({ status: "SUCCESS", branches: [] });
    const { runLog } = await runPipeline(graph, { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, retryRunId: "f1" });
    expect(runLog.parameters.sides?.value).toEqual(["got-a", "got-b"]);
    p.remove();
  });
});

describe("a node type that is neither a leaf nor a composite", () => {
  it("is a definition error naming the step type, before any run log exists", async () => {
    const p = project();
    p.install("twice-node", {
      packageJson: { runnable: manifest("node", "twice", "./index.js#twice") },
      files: { "index.js": pluginModule({ format: "cjs", exportName: "twice", kind: "node", name: "twice", create: "{ fannable: true }" }) },
    });
    const error = await runPipeline(parseYamlPipeline(PIPELINE), { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, runId: "bad1" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_GRAPH_INVALID", message: expect.stringContaining('unknown step type "twice": its node type declares neither execute() nor branches(), merge() and subgraphs()') });
    expect(existsSync(join(p.dir, ".run_log_store", "bad1"))).toBe(false);
    p.remove();
  });
});

describe("fan of a conditional", () => {
  it("fans out only the branch the parameter chooses, and merges it back in", async () => {
    const p = project();
    const yaml = `
dag:
  start_at: pick
  steps:
    pick: { type: task, command_type: shell, command: 'export side=tails', returns: [side], next: c }
    c:
      type: conditional
      parameter: side
      branches:
        heads: { start_at: h, steps: { h: { type: task, command_type: shell, command: 'export got=heads', returns: [got], next: success } } }
        tails: { start_at: t, steps: { t: { type: task, command_type: shell, command: 'export got=tails', returns: [got], next: success } } }
      next: success
`;
    p.write("cond.yaml", yaml);
    const graph = parseYamlPipeline(yaml);
    const options = { runId: "c1", cwd: p.dir, env: {} };
    await executeSingleNode(graph, { ...options, step: "pick", create: { definition: { kind: "yaml", file: `${p.dir}/cond.yaml` } } });
    await expect(fanStep(graph, { ...options, step: "c", mode: "out" })).resolves.toEqual({ status: "PROCESSING", branches: [{ key: "tails", iterVars: {} }] });
    await executeSingleNode(graph, { ...options, step: "c.tails.t" });
    await executeSingleNode(graph, { ...options, step: "c.tails.success" });
    await expect(fanStep(graph, { ...options, step: "c", mode: "in" })).resolves.toMatchObject({ status: "SUCCESS" });
    const got = await RunSession.withRun(graph, options, async (session) => session.store.getParameters("c1"));
    expect(got.got?.value).toBe("tails");
    p.remove();
  });
});

describe("fan of a step that cannot be fanned", () => {
  it("refuses a loop (each iteration needs the one before) and a leaf step with E_NOT_FANNABLE, writing nothing", async () => {
    const p = project();
    const graph = parseYamlPipeline(PIPELINE);
    const options = { runId: "n1", cwd: p.dir, env: {} };
    await executeSingleNode(graph, { ...options, step: "tw.a.t", iterVars: { side: "a" }, create: { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` } } });
    await expect(fanStep(graph, { ...options, step: "lp", mode: "out" })).rejects.toMatchObject({ code: "E_NOT_FANNABLE", context: { step: "lp" }, message: expect.stringContaining("depends on the one before") });
    await expect(fanStep(graph, { ...options, step: "tw.a.t", mode: "in" })).rejects.toMatchObject({ code: "E_NOT_FANNABLE", context: { step: "tw.a.t" } });
    await expect(RunSession.withRun(graph, options, async (session) => session.store.getStepLog("n1", "lp"))).resolves.toBeUndefined();
    const { runLog } = await runPipeline(graph, { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, retryRunId: "n1" });
    expect(runLog.status).toBe("SUCCESS");
    expect(Object.keys(runLog.steps.lp!.branches)).toEqual(["lp.0", "lp.1"]);
    p.remove();
  });
});

describe("locateStep", () => {
  it("finds steps through the sub-graphs node types declare, keys made at run time included, and names what is missing", async () => {
    const p = project();
    const graph = parseYamlPipeline(PIPELINE);
    // The node types come from the project's kernel, as a session's do (the third-party one included).
    const kernel = await cachedKernel({ cwd: p.dir, configFile: undefined, env: {}, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
    const scope = await kernel.createRun();
    const types = new Map<string, NodeType>();
    for (const name of ["twice", "loop", "task", "stub", "success", "fail"]) types.set(name, await scope.create("node", name));
    await scope.dispose();
    expect(locateStep(graph, "tw.b.t", types)).toMatchObject({ node: { name: "t" }, scope: "tw.b" });
    expect(locateStep(graph, "lp.7.success", types)).toMatchObject({ node: { name: "success", type: "success" }, scope: "lp.7" });
    expect(() => locateStep(graph, "tw.a.nope", types)).toThrow(expect.objectContaining({ code: "E_GRAPH_INVALID", message: expect.stringContaining('No step "nope" in tw.a') }));
    expect(() => locateStep(graph, "lp.0.s.x.y", types)).toThrow(expect.objectContaining({ code: "E_GRAPH_INVALID", message: expect.stringContaining('Step "s" has no branch "x"') }));
    p.remove();
  });
});

/** A project with a third-party leaf node type `name` (its `create` as JavaScript) and `pipeline`. */
function leafNodeProject(name: string, create: string, pipeline: string): FixtureProject {
  const p = createFixtureProject({ files: { "runnable-config.yaml": "run-log-store: { type: buffered }\n", "pipeline.yaml": pipeline } });
  p.install(`${name}-node`, {
    packageJson: { runnable: manifest("node", name, `./index.js#${name}`) },
    files: { "index.js": pluginModule({ format: "cjs", exportName: name, kind: "node", name, create }) },
  });
  p.write("package.json", JSON.stringify({ name: "fixture-project", dependencies: { [`${name}-node`]: "1.0.0" } }));
  return p;
}

/** A pipeline whose first step, of type `type`, is a task that waits (a shell command) and returns `out`. */
function waitingTaskPipeline(type: string, after: string): string {
  return `
dag:
  start_at: t
  steps:
    # Written as a user writes a task: the task fields get their defaults and the engine's form.
    t: { type: ${type}, command_type: shell, command: 'sleep 0.05; export out=x', returns: [out], next: after }
    after: { type: task, command_type: shell, command: '${after}', next: success }
`;
}

describe("a third-party leaf node type that runs its step as a task (runTask)", () => {
  it("gets its task's outcome when it awaits the attempts (with finally) while they wait, and the run goes on", async () => {
    const awaiting = `{
      taskType: (node) => node.command_type,
      execute: async (ctx) => {
        let settled = false;
        const status = await ctx.runTask().finally(() => { settled = true; });
        ctx.stepLog.message = settled ? "awaited its attempts" : "did not wait";
        return status;
      },
    }`;
    const pipeline = waitingTaskPipeline("awaiting", 'echo "$out"');
    const p = leafNodeProject("awaiting", awaiting, pipeline);
    const result = await runPipeline(parseYamlPipeline(pipeline), { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, runId: "aw1" });
    expect(result.status).toBe("SUCCESS");
    expect(result.runLog.steps.t).toMatchObject({ status: "SUCCESS", message: "awaited its attempts" });
    expect(result.runLog.steps.t!.attempts[0]!.output_parameters.out).toEqual({ kind: "json", value: "x" });
    expect(result.runLog.steps.after!.status).toBe("SUCCESS");
    p.remove();
  });

  it("reads its YAML steps as tasks: command_type defaults to function, returns and retries to the task form", async () => {
    const retrying = `{
      taskType: (node) => node.command_type,
      execute: async (ctx) => {
        const status = await ctx.runTask();
        ctx.stepLog.message = JSON.stringify([ctx.node.command_type, ctx.node.returns, ctx.node.max_attempts, ctx.node.secrets]);
        return status;
      },
    }`;
    const pipeline = "dag:\n  start_at: t\n  steps:\n    t: { type: retrying, command: ./steps.js#flaky, returns: [out], max_attempts: 2, next: success }\n";
    const p = leafNodeProject("retrying", retrying, pipeline);
    p.write("steps.js", "let calls = 0;\nexports.flaky = () => { if (++calls === 1) throw new Error('first call fails'); return 'ok'; };\n");
    const result = await runPipeline(parseYamlPipeline(pipeline), { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, runId: "rt1" });
    expect(result.status).toBe("SUCCESS");
    expect(JSON.parse(result.runLog.steps.t!.message)).toEqual(["function", [{ name: "out", kind: "json" }], 2, []]);
    expect(result.runLog.steps.t!.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);
    expect(result.runLog.parameters.out).toEqual({ kind: "json", value: "ok" });
    p.remove();
  });

  it("lets the attempts go on when the node type drops what runTask answered (they are not left stalled)", async () => {
    const dropping = `{
      taskType: (node) => node.command_type,
      execute: (ctx) => { void ctx.runTask(); return "SUCCESS"; },
    }`;
    const pipeline = waitingTaskPipeline("dropping", "sleep 0.5");
    const p = leafNodeProject("dropping", dropping, pipeline);
    const result = await runPipeline(parseYamlPipeline(pipeline), { definition: { kind: "yaml", file: `${p.dir}/pipeline.yaml` }, cwd: p.dir, env: {}, runId: "dr1" });
    expect(result.status).toBe("SUCCESS");
    // The dropped attempts finished while "after" ran: their returns reached the run's scope.
    expect(result.runLog.parameters.out).toEqual({ kind: "json", value: "x" });
    p.remove();
  });
});
