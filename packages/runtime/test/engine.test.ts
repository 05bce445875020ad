import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import {
  Catalog,
  Conditional,
  ExecutionFailedError,
  FunctionTask,
  Loop,
  MapStep,
  Parallel,
  Pipeline,
  ShellTask,
  pickled,
  Step,
  z,
  type RunEvent,
} from "@runnable-ts/sdk";
import { createFixtureProject, manifest, pluginModule } from "@runnable-ts/testing";
import { runPipeline } from "../src/index";
import { parseYamlPipeline } from "../src/yaml-pipeline";
import { allStepNames, findStep, run, workdir } from "./support";

const task = (name: string, fn: (p: Record<string, unknown>) => unknown, returns: string[] = []) => new FunctionTask({ name, fn, returns });

describe("names and nesting", () => {
  it("names steps by dot path at every depth: map value, parallel branch, loop index", async () => {
    const inner = new Pipeline({ steps: [task("step", ({ item }) => item, ["out"])] });
    const pipeline = new Pipeline({
      steps: [
        task("load", () => [1, 2, 3], ["items"]),
        new Parallel({
          name: "outer",
          branches: { b: new Pipeline({ steps: [new MapStep({ name: "inner", iterateOn: "items", iterateAs: "item", branch: inner })] }) },
        }),
        new MapStep({ name: "map_state", iterateOn: "items", iterateAs: "item", branch: inner }),
        new Parallel({ name: "par", branches: { b1: new Pipeline({ steps: [task("step", () => 1)] }) } }),
        new Loop({ name: "loop", maxIterations: 2, breakOn: "never", indexAs: "i", branch: new Pipeline({ steps: [task("step", () => 1)] }) }),
      ],
    });
    const { runLog } = await run(pipeline);
    expect(runLog.status).toBe("SUCCESS");
    expect(allStepNames(runLog)).toEqual(
      expect.arrayContaining(["outer.b.inner.2.step", "map_state.1.step", "map_state.3.success", "par.b1.step", "loop.0.step", "loop.1.step"]),
    );
    expect(runLog.parameters.out?.value).toEqual([1, 2, 3]);
  });

  it("runs a map inside a map inside a parallel, reducing at each level", async () => {
    const innerMost = new Pipeline({ steps: [task("mul", ({ x, y }) => (x as number) * (y as number), ["product"])] });
    const middle = new Pipeline({
      steps: [
        task("ys", ({ x }) => [x, (x as number) + 1], ["ys"]),
        new MapStep({ name: "inner", iterateOn: "ys", iterateAs: "y", branch: innerMost }),
        task("sum", ({ product }) => (product as number[]).reduce((a, b) => a + b, 0), ["row"]),
      ],
    });
    const pipeline = new Pipeline({
      steps: [
        task("xs", () => [1, 2], ["xs"]),
        new Parallel({ name: "par", branches: { only: new Pipeline({ steps: [new MapStep({ name: "outer", iterateOn: "xs", iterateAs: "x", branch: middle })] }) } }),
      ],
    });
    const { runLog } = await run(pipeline);
    expect(runLog.status).toBe("SUCCESS");
    // x=1: ys [1,2] → products [1,2] → row 3; x=2: ys [2,3] → [4,6] → row 10
    expect(runLog.parameters.row?.value).toEqual([3, 10]);
    expect(findStep(runLog, "par.only.outer.2.inner.3.mul")?.attempts[0]?.output_parameters.product?.value).toBe(6);
  });

  it("falls back to indices as branch keys when item values repeat or contain dots", async () => {
    const { runLog } = await run(
      new Pipeline({
        steps: [task("load", () => ["a.b", "a.b"], ["items"]), new MapStep({ name: "m", iterateOn: "items", iterateAs: "it", branch: new Pipeline({ steps: [task("t", ({ it }) => it, ["v"])] }) })],
      }),
    );
    expect(Object.keys(findStep(runLog, "m")!.branches)).toEqual(["m.0", "m.1"]);
    expect(runLog.parameters.v?.value).toEqual(["a.b", "a.b"]);
  });
});

describe("map", () => {
  it("fails when one iteration fails, after the others ran", async () => {
    const { runLog, status } = await run(
      new Pipeline({
        steps: [
          task("load", () => [1, 2, 3], ["items"]),
          new MapStep({
            name: "m",
            iterateOn: "items",
            iterateAs: "i",
            branch: new Pipeline({ steps: [task("t", ({ i }) => { if (i === 2) throw new Error("bad item 2"); return i; }, ["v"])] }),
          }),
        ],
      }),
    );
    expect(status).toBe("FAIL");
    const map = findStep(runLog, "m")!;
    expect(map.status).toBe("FAIL");
    expect(map.message).toBe("failed iterations: m.2");
    expect(Object.fromEntries(Object.values(map.branches).map((b) => [b.internal_name, b.status]))).toEqual({ "m.1": "SUCCESS", "m.2": "FAIL", "m.3": "SUCCESS" });
    expect(findStep(runLog, "m.2.t")?.message).toBe("bad item 2");
    expect(runLog.parameters.v).toBeUndefined();
  });

  it("keeps pickled returns per iteration (no collision) and reduces them into a pickled list", async () => {
    const { runLog, dir } = await run(
      new Pipeline({
        steps: [
          task("load", () => [1, 2, 3], ["items"]),
          new MapStep({ name: "m", iterateOn: "items", iterateAs: "i", branch: new Pipeline({ steps: [new FunctionTask({ name: "t", fn: ({ i }: { i: number }) => new Set([i, i * 10]), returns: [pickled("s")] })] }) }),
          new FunctionTask({ name: "check", fn: ({ s }: { s: Set<number>[] }) => s.map((set) => [...set].join("+")).join(","), returns: ["flat"] }),
        ],
      }),
    );
    expect(runLog.parameters.flat?.value).toBe("1+10,2+20,3+30");
    expect(runLog.parameters.s).toEqual({ kind: "object", value: "objects/m/s.pickle.json" });
    const objects = join(dir, ".catalog", runLog.run_id, "objects");
    expect(readdirSync(join(objects, "m.2.t"))).toEqual(["s.pickle.json"]);
  });

  it("applies named reducers and a module#export reducer", async () => {
    const { dir, config } = workdir();
    writeFileSync(join(dir, "reducers.js"), "exports.joined = (values) => values.join('|');");
    const branch = new Pipeline({ steps: [task("t", ({ i }) => i, ["v"])] });
    const { runLog } = await run(
      new Pipeline({
        steps: [
          task("load", () => [3, 1, 2], ["items"]),
          new MapStep({ name: "mx", iterateOn: "items", iterateAs: "i", reducer: "max", branch }),
          task("keep", ({ v }) => v, ["max_v"]),
          new MapStep({ name: "mj", iterateOn: "items", iterateAs: "i", reducer: "./reducers.js#joined", branch }),
        ],
      }),
      { dir, config },
    );
    expect(runLog.parameters.max_v?.value).toBe(3);
    expect(runLog.parameters.v?.value).toBe("3|1|2");
  });

  it("reduces every parameter an iteration set, those returned inside nested composites of the branch included", async () => {
    const branch = new Pipeline({
      steps: [
        task("top", ({ i }) => (i as number) * 10, ["top_v"]),
        new Parallel({ name: "par", branches: { a: new Pipeline({ steps: [task("deep", ({ i }) => `deep-${String(i)}`, ["deep_v"])] }) } }),
        new Conditional({ name: "cond", parameter: "top_v", branches: { "10": new Pipeline({ steps: [task("only1", () => "one", ["cond_v"])] }), "20": new Pipeline({ steps: [task("only2", () => "two", ["cond_v"])] }) } }),
        new Loop({ name: "lp", maxIterations: 2, breakOn: "never", indexAs: "k", branch: new Pipeline({ steps: [task("count", ({ i, k }) => `${String(i)}:${String(k)}`, ["loop_v"])] }) }),
      ],
    });
    const { runLog, status } = await run(
      new Pipeline({ steps: [task("load", () => [1, 2], ["items"]), new MapStep({ name: "m", iterateOn: "items", iterateAs: "i", branch })] }),
    );
    expect(status).toBe("SUCCESS");
    expect(runLog.parameters.top_v?.value).toEqual([10, 20]);
    expect(runLog.parameters.deep_v?.value).toEqual(["deep-1", "deep-2"]);
    expect(runLog.parameters.cond_v?.value).toEqual(["one", "two"]);
    expect(runLog.parameters.loop_v?.value).toEqual(["1:1", "2:1"]);
    expect(runLog.parameters.items?.value).toEqual([1, 2]);
  });

  it("reduces a return equal to the inherited value too, so the list has one entry per iteration", async () => {
    const { runLog } = await run(
      new Pipeline({
        steps: [
          task("load", () => [[0, 1], 0], ["items", "x"]),
          new MapStep({ name: "m", iterateOn: "items", iterateAs: "i", branch: new Pipeline({ steps: [task("t", ({ i }) => i, ["x"])] }) }),
        ],
      }),
    );
    expect(runLog.parameters.x?.value).toEqual([0, 1]);
  });

  it("fails the map step when iterate_on is missing or not a list", async () => {
    const { runLog } = await run(
      new Pipeline({ steps: [task("load", () => 5, ["items"]), new MapStep({ name: "m", iterateOn: "items", iterateAs: "i", branch: new Pipeline({ steps: [task("t", () => 1)] }) })] }),
    );
    expect(findStep(runLog, "m")).toMatchObject({ status: "FAIL", message: 'iterate_on parameter "items" must be a list, got number' });
    expect(runLog.status).toBe("FAIL");
  });
});

describe("conditional and loop", () => {
  it("fails the step with a message when no branch matches the value", async () => {
    const { runLog, status } = await run(
      new Pipeline({
        steps: [task("pick", () => "edge", ["side"]), new Conditional({ name: "cond", parameter: "side", branches: { heads: new Pipeline({ steps: [task("h", () => 1)] }) } })],
      }),
    );
    expect(status).toBe("FAIL");
    expect(findStep(runLog, "cond")).toMatchObject({ status: "FAIL", message: 'no branch for side = "edge"; branches: heads' });
    expect(findStep(runLog, "fail")?.status).toBe("SUCCESS");
  });

  it("stops a loop at max_iterations and carries parameters through iterations to the parent", async () => {
    const { runLog } = await run(
      new Pipeline({
        steps: [
          task("init", () => 0, ["n"]),
          new Loop({ name: "loop", maxIterations: 4, breakOn: "stop", indexAs: "i", branch: new Pipeline({ steps: [task("inc", ({ n, i }) => [(n as number) + 1, i], ["n", "last_i"])] }) }),
        ],
      }),
    );
    expect(Object.keys(findStep(runLog, "loop")!.branches)).toEqual(["loop.0", "loop.1", "loop.2", "loop.3"]);
    expect(runLog.parameters.n?.value).toBe(4);
    expect(runLog.parameters.last_i?.value).toBe(3);
    expect(runLog.parameters.i).toBeUndefined();
  });
});

describe("failure policy: every bad thing is a FAIL step with a message, routed to onFailure", () => {
  const handled = () => new Pipeline({ steps: [new ShellTask({ name: "handler", command: "export handled=yes", returns: ["handled"] })] });
  const cases: [string, () => Step, RegExp][] = [
    ["a task that throws", () => new FunctionTask({ name: "bad", fn: () => { throw new Error("boom"); }, onFailure: handled() }), /^boom$/],
    ["a shell command exiting 1", () => new ShellTask({ name: "bad", command: "echo oops >&2; exit 1", onFailure: handled() }), /^command exited with code 1: oops$/],
    ["a missing secret", () => new FunctionTask({ name: "bad", fn: () => 1, secrets: ["NOT_SET_ANYWHERE"], onFailure: handled() }), /No secret named "NOT_SET_ANYWHERE"/],
    ["a catalog get with no match", () => new FunctionTask({ name: "bad", fn: () => 1, catalog: new Catalog({ get: ["nothing/*.csv"] }), onFailure: handled() }), /catalog get: no files match "nothing\/\*\.csv"/],
    ["a wrong return count", () => new FunctionTask({ name: "bad", fn: () => [1, 2, 3], returns: ["a", "b"], onFailure: handled() }), /returns 2 names \(a, b\) but the function returned 3 values/],
    ["a zod input rejection", () => new FunctionTask({ name: "bad", fn: () => 1, input: z.object({ count: z.number() }), onFailure: handled() }), /invalid parameter "count": /],
    ["a timeout", () => new FunctionTask({ name: "bad", fn: () => new Promise((r) => setTimeout(r, 2000)), timeoutMs: 50, onFailure: handled() }), /^timed out after 50 ms$/],
    ["a shell task not exporting a return", () => new ShellTask({ name: "bad", command: "true", returns: ["missing"], onFailure: handled() }), /did not export "missing"/],
    ["a non-JSON json return", () => new FunctionTask({ name: "bad", fn: () => new Map(), returns: ["m"], onFailure: handled() }), /return "m" is not JSON \(a Map instance\); declare it pickled\("m"\)/],
    ["a catalog pattern outside the working directory", () => new FunctionTask({ name: "bad", fn: () => 1, catalog: new Catalog({ put: ["../escape.txt"] }), onFailure: handled() }), /must be relative and stay inside/],
  ];

  it.each(cases)("%s", async (_label, make, message) => {
    const { runLog, status } = await run(new Pipeline({ steps: [make(), task("next", () => 1)] }));
    const bad = findStep(runLog, "bad")!;
    expect(bad.status).toBe("FAIL");
    expect(bad.attempts[0]?.status).toBe("FAIL");
    expect(bad.attempts[0]?.message).toMatch(message);
    expect(findStep(runLog, "handler")?.status).toBe("SUCCESS");
    expect(runLog.parameters.handled?.value).toBe("yes");
    expect(findStep(runLog, "next")).toBeUndefined();
    expect(status).toBe("SUCCESS");
  });

  const failing = () => new Pipeline({ steps: [new ShellTask({ name: "boom", command: "exit 3" })] });
  const composites: [string, () => Step, string][] = [
    ["a parallel step with a failing branch", () => new Parallel({ name: "bad", branches: { ok: new Pipeline({ steps: [task("fine", () => 1)] }), broken: failing() }, onFailure: handled() }), "failed branches: bad.broken"],
    ["a map step with a failing iteration", () => new MapStep({ name: "bad", iterateOn: "items", iterateAs: "i", branch: failing(), onFailure: handled() }), "failed iterations: bad.1, bad.2"],
    ["a map step whose iterate_on is not in scope", () => new MapStep({ name: "bad", iterateOn: "nothing", iterateAs: "i", branch: failing(), onFailure: handled() }), 'iterate_on parameter "nothing" is not in scope (available: items, flag)'],
    ["a conditional step with no matching branch", () => new Conditional({ name: "bad", parameter: "items", branches: { other: failing() }, onFailure: handled() }), "no branch for items = [1,2]; branches: other"],
    ["a conditional step whose branch fails", () => new Conditional({ name: "bad", parameter: "flag", branches: { on: failing() }, onFailure: handled() }), "branch bad.on failed"],
    ["a loop step whose iteration fails", () => new Loop({ name: "bad", maxIterations: 3, breakOn: "never", indexAs: "k", branch: failing(), onFailure: handled() }), "iteration bad.0 failed"],
  ];

  it.each(composites)("routes %s to its onFailure (SDK)", async (_label, make, message) => {
    const { runLog, status } = await run(new Pipeline({ steps: [task("load", () => [[1, 2], "on"], ["items", "flag"]), make(), task("next", () => 1)] }));
    expect(findStep(runLog, "bad")).toMatchObject({ status: "FAIL", message });
    expect(findStep(runLog, "handler")?.status).toBe("SUCCESS");
    expect(runLog.parameters.handled?.value).toBe("yes");
    expect(findStep(runLog, "next")).toBeUndefined();
    expect(status).toBe("SUCCESS");
  });

  it.each([
    ["parallel", "failed branches: bad.a"],
    ["map", "failed iterations: bad.1, bad.2"],
    ["conditional", "branch bad.on failed"],
    ["loop", "iteration bad.0 failed"],
  ])("routes a failing %s step to its on_failure (YAML)", async (type, message) => {
    const branch = "{ start_at: boom, steps: { boom: { type: task, command_type: shell, command: 'exit 3', next: success } } }";
    const fields: Record<string, string> = {
      parallel: `branches: { a: ${branch} }`,
      map: `iterate_on: items, iterate_as: i, branch: ${branch}`,
      conditional: `parameter: flag, branches: { "on": ${branch} }`,
      loop: `max_iterations: 2, break_on: never, index_as: k, branch: ${branch}`,
    };
    const graph = parseYamlPipeline(`
dag:
  start_at: load
  steps:
    load: { type: task, command_type: shell, command: 'export items="[1,2]" flag=on', returns: [items, flag], next: bad }
    bad: { type: ${type}, ${fields[type]!}, next: after, on_failure: handler }
    after: { type: stub, next: success }
    handler: { type: task, command_type: shell, command: 'export handled=yes', returns: [handled], next: success }
`);
    const { runLog, status } = await run(graph);
    expect(findStep(runLog, "bad")).toMatchObject({ status: "FAIL", message });
    expect(findStep(runLog, "handler")?.status).toBe("SUCCESS");
    expect(findStep(runLog, "after")).toBeUndefined();
    expect(runLog.parameters.handled?.value).toBe("yes");
    expect(status).toBe("SUCCESS");
  });

  it("without onFailure goes to fail: the run ends FAIL and execute() rejects with the run log", async () => {
    const { dir, config } = workdir();
    const pipeline = new Pipeline({ steps: [task("bad", () => { throw new Error("nope"); })] });
    const error = await pipeline.execute({ cwd: dir, configurationFile: config, runId: "failing-run" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect(error).toMatchObject({ code: "E_EXECUTION_FAILED", runId: "failing-run" });
    expect((error as ExecutionFailedError).message).toContain("step bad: nope");
    const log = (error as ExecutionFailedError).runLog as { status: string; steps: Record<string, unknown> };
    expect(log.status).toBe("FAIL");
    expect(Object.keys(log.steps)).toEqual(["bad", "fail"]);
  });
});

describe("attempts", () => {
  it("retries a failing task up to maxAttempts with the delay, recording each attempt", async () => {
    let calls = 0;
    const times: number[] = [];
    const { runLog } = await run(
      new Pipeline({
        steps: [new FunctionTask({ name: "flaky", maxAttempts: 3, retryDelayMs: 40, returns: ["n"], fn: () => { times.push(Date.now()); if (++calls < 3) throw new Error(`try ${calls}`); return calls; } })],
      }),
    );
    const flaky = findStep(runLog, "flaky")!;
    expect(flaky.attempts.map((a) => [a.attempt_number, a.status, a.message])).toEqual([
      [1, "FAIL", "try 1"],
      [2, "FAIL", "try 2"],
      [3, "SUCCESS", ""],
    ]);
    expect(flaky.status).toBe("SUCCESS");
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(35);
    expect(runLog.parameters.n?.value).toBe(3);
  });

  it("aborts the signal of a task that times out", async () => {
    let aborted = false;
    await run(
      new Pipeline({
        steps: [new FunctionTask({ name: "slow", timeoutMs: 30, fn: (_p, ctx) => new Promise((r) => ctx.signal.addEventListener("abort", () => { aborted = true; r(undefined); })) })],
      }),
    );
    expect(aborted).toBe(true);
  });
});

describe("definition errors", () => {
  it("reports every problem at once, before any run log exists", async () => {
    const { dir, config } = workdir("run-log-store: { type: chunked-fs }\n");
    const graph = {
      start_at: "a",
      steps: {
        a: { type: "task", name: "a", command_type: "function", command: () => 1, returns: [], secrets: [], max_attempts: 1, retry_delay_ms: 0, overrides: {}, stream_end_type: "done", next: "b" },
        b: { type: "stub", name: "b", next: "a" },
        c: { type: "gizmo", name: "c", next: "success" },
        d: { type: "stub", name: "d" },
        e: { type: "task", name: "e", command_type: "cobol", command: "x", returns: [], secrets: [], max_attempts: 0, retry_delay_ms: 0, overrides: {}, stream_end_type: "done", next: "nowhere" },
      },
    };
    const error = await run(graph, { dir, config }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_GRAPH_INVALID" });
    const problems = (error as { problems: string[] }).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^unknown step type "gizmo"/),
        expect.stringMatching(/^unknown command_type "cobol"/),
        'step "d": missing "next" (name the following step, or success/fail)',
        'step "e": next "nowhere" is not a step of pipeline',
        'step "e": max_attempts must be an integer >= 1',
        expect.stringMatching(/^pipeline: cycle a -> b -> a/),
      ]),
    );
    expect(existsSync(join(dir, ".run_log_store"))).toBe(false);
  });

  it("refuses duplicate step names in the SDK and names containing dots", () => {
    expect(() => new Pipeline({ steps: [task("a", () => 1), task("a", () => 2)] }).toGraph()).toThrow(/duplicate step name "a"/);
    expect(() => task("a.b", () => 1)).toThrow(/may not contain "\."/);
  });

  it("refuses a run id that already exists", async () => {
    const { dir, config } = workdir("run-log-store: { type: chunked-fs }\n");
    const pipeline = new Pipeline({ steps: [task("a", () => 1)] });
    await run(pipeline, { dir, config, runId: "same" });
    await expect(run(pipeline, { dir, config, runId: "same" })).rejects.toMatchObject({ code: "E_RUN_EXISTS" });
  });
});

describe("runs and secrets", () => {
  it("never writes a secret: not in messages, execution logs, events or the run log", async () => {
    const secret = "tops3cret-XYZ";
    const events: RunEvent[] = [];
    const { dir, config } = workdir("run-log-store: { type: file-system }\ncatalog: { type: file-system }\n");
    const leaky = new FunctionTask({
      name: "leaky",
      secrets: ["TOKEN"],
      fn: (_p, ctx) => {
        console.log(`token is ${ctx.secrets.TOKEN}`);
        throw new Error(`bad token ${ctx.secrets.TOKEN}`);
      },
    });
    // env-secrets reads the environment of the runnable process.
    process.env.TOKEN = secret;
    try {
      const { runLog } = await run(new Pipeline({ steps: [leaky] }), { dir, config, events });
      expect(findStep(runLog, "leaky")?.message).toBe("bad token ***");
      expect(JSON.stringify(events)).not.toContain(secret);
      const files = walk(dir);
      const log = files.find((f) => f.endsWith("leaky.attempt1.execution.log"));
      expect(log && readFileSync(log, "utf8")).toContain("token is ***");
      for (const file of files) expect(readFileSync(file, "utf8")).not.toContain(secret);
    } finally {
      delete process.env.TOKEN;
    }
  });

  it("starts a new run on each execute() of the same pipeline", async () => {
    const { dir, config } = workdir();
    const pipeline = new Pipeline({ steps: [task("a", () => 1)] });
    const [one, two] = await Promise.all([pipeline.execute({ cwd: dir, configurationFile: config }), pipeline.execute({ cwd: dir, configurationFile: config })]);
    expect(one.run_id).not.toBe(two.run_id);
    expect(one.status).toBe("SUCCESS");
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("kernel reuse across runs", () => {
  it("never serves a stale plugin list or config after an install or a config edit", async () => {
    const project = createFixtureProject({ files: { "runnable-config.yaml": "run-log-store: { type: custom }\n" } });
    const pipeline = new Pipeline({ steps: [task("a", () => 1)] });
    const go = () => runFrom(project.dir, pipeline);
    await expect(go()).rejects.toMatchObject({ code: "E_PLUGIN_NOT_FOUND" });
    // "npm install custom-store": the package appears and package.json lists it.
    project.install("custom-store", {
      packageJson: { runnable: manifest("run-log-store", "custom", "./index.js#plugin") },
      files: { "index.js": `const { BufferedRunLogStore } = require(${JSON.stringify(require.resolve("@runnable-ts/run-log-store-buffered"))});\n${pluginModule({ format: "cjs", exportName: "plugin", kind: "run-log-store", name: "custom", create: "new BufferedRunLogStore()" })}` },
    });
    project.write("package.json", JSON.stringify({ name: "fixture-project", dependencies: { "custom-store": "1.0.0" } }));
    await expect(go()).resolves.toMatchObject({ status: "SUCCESS" });
    project.write("runnable-config.yaml", "run-log-store: { type: custom-missing-now }\n");
    await expect(go()).rejects.toMatchObject({ code: "E_PLUGIN_NOT_FOUND", message: expect.stringContaining("custom-missing-now") });
    project.remove();
  });
});

function runFrom(dir: string, pipeline: Pipeline) {
  return runPipeline(pipeline.toGraph(), { definition: { kind: "sdk", file: undefined }, cwd: dir, env: {} });
}

describe("code identity", () => {
  it("records the git commit of the working directory and whether the tree was clean", async () => {
    const { execFileSync } = jest.requireActual<typeof import("node:child_process")>("node:child_process");
    const { dir, config } = workdir();
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir, encoding: "utf8" }).trim();
    git("init", "-q");
    git("add", "config.yaml");
    git("commit", "-q", "-m", "init");
    const commit = git("rev-parse", "HEAD");
    const { runLog } = await run(new Pipeline({ steps: [task("a", () => 1)] }), { dir, config });
    expect(findStep(runLog, "a")?.attempts[0]?.code_identities).toEqual([
      expect.objectContaining({ code_identifier: commit, code_identifier_type: "git", code_identifier_dependable: expect.any(Boolean) }),
    ]);
    // The run's own files (catalog, logs) make the tree dirty: the identity says so, naming them.
    expect(findStep(runLog, "a")?.attempts[0]?.code_identities[0]?.code_identifier_dependable).toBe(
      findStep(runLog, "a")?.attempts[0]?.code_identities[0]?.code_identifier_message === "",
    );
  });
});
