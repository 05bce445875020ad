import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AsyncFunctionTask, AsyncPipeline, FunctionJob, FunctionTask, isRunnableError, type RunEvent, type RunLog, type TaskContext } from "@runnable-ts/sdk";
import { loadDefinition, runPipeline, type ResumeRequest } from "../src/index";
import { findStep, workdir } from "./support";

// Suspend / resume end to end with YAML pipelines and a real module of task functions, so that
// the emulator's subprocesses (runnable execute-single-node) load the same definition.

const TASKS = `
const fs = require("node:fs");
const count = (name) => fs.appendFileSync(require("node:path").join(__dirname, "count-" + name), "x");
exports.before = () => { count("before"); return 1; };
exports.approve = async (p, ctx) => {
  count("approve");
  if (ctx.resumeData === undefined) await ctx.suspend({ question: "ship it?", x: p.x });
  return ctx.resumeData.answer;
};
exports.after = (p) => { count("after"); return p.answer + "!"; };
exports.side = () => { count("side"); return 2; };
exports.items = () => ["a", "b", "c"];
exports.gate = async (p, ctx) => {
  count("gate-" + p.item);
  if (p.item !== "b" && ctx.resumeData === undefined) await ctx.suspend({ item: p.item });
  return p.item + (ctx.resumeData ? ctx.resumeData.tag : "");
};
exports.swallow = async (_p, ctx) => {
  try { await ctx.suspend("caught"); } catch { return "returned anyway"; }
};
`;

const task = (name: string, fn: string, returns: string[], next: string) =>
  `    ${name}: { type: task, command_type: function, command: tasks.js#${fn}, returns: [${returns.join(", ")}], next: ${next} }\n`;

const CHAIN = `dag:\n  start_at: before\n  steps:\n${task("before", "before", ["x"], "approve")}${task("approve", "approve", ["answer"], "after")}${task("after", "after", ["final"], "success")}`;

const PARALLEL = `dag:
  start_at: par
  steps:
    par:
      type: parallel
      next: after
      branches:
        left:
          start_at: approve
          steps:
${task("approve", "approve", ["answer"], "success").replace(/^ {4}/, "            ")}        right:
          start_at: side
          steps:
${task("side", "side", ["y"], "success").replace(/^ {4}/, "            ")}${task("after", "after", ["final"], "success")}`;

const MAP = `dag:
  start_at: load
  steps:
${task("load", "items", ["items"], "each")}    each:
      type: map
      iterate_on: items
      iterate_as: item
      next: done
      branch:
        start_at: gate
        steps:
${task("gate", "gate", ["out"], "success").replace(/^ {4}/, "          ")}${task("done", "side", ["y"], "success")}`;

const SWALLOW = `dag:\n  start_at: s\n  steps:\n${task("s", "swallow", ["v"], "after")}${task("after", "side", ["y"], "success")}`;

const counted = (dir: string, name: string): number => (existsSync(join(dir, `count-${name}`)) ? readFileSync(join(dir, `count-${name}`), "utf8").length : 0);

describe.each(["local", "async-local", "emulator"])("suspend and resume with the %s executor", (executor) => {
  const setup = (yaml: string) => {
    const w = workdir(`pipeline-executor: { type: ${executor} }\nrun-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n`);
    writeFileSync(join(w.dir, "tasks.js"), TASKS);
    writeFileSync(join(w.dir, "pipeline.yaml"), yaml);
    const go = async (extra: { resume?: ResumeRequest; events?: RunEvent[] } = {}) => {
      const definition = await loadDefinition(join(w.dir, "pipeline.yaml"), w.dir);
      return runPipeline(definition.graph, {
        definition: definition.source,
        cwd: w.dir,
        configurationFile: w.config,
        env: {},
        runId: "r1",
        ...(extra.resume ? { retryRunId: "r1", resume: extra.resume } : {}),
        onEvent: (e) => void extra.events?.push(e),
      });
    };
    return { ...w, go };
  };
  const statuses = (log: RunLog, name: string) => findStep(log, name)!.attempts.map((a) => a.status);

  it("suspends a chain at the step, records the payload, starts nothing after it, and resumes with the data", async () => {
    const { dir, go } = setup(CHAIN);
    const events: RunEvent[] = [];
    const first = await go({ events });
    expect(first.status).toBe("SUSPENDED");
    expect(first.runLog.status).toBe("SUSPENDED");
    expect(findStep(first.runLog, "approve")).toMatchObject({ status: "SUSPENDED" });
    expect(findStep(first.runLog, "approve")!.attempts[0]).toMatchObject({ status: "SUSPENDED", suspend_payload: { question: "ship it?", x: 1 } });
    expect(findStep(first.runLog, "after")).toBeUndefined();
    expect(counted(dir, "after")).toBe(0);
    if (executor !== "emulator") expect(events.find((e) => e.type === "step_suspended")).toMatchObject({ step: "approve", payload: { question: "ship it?", x: 1 } });
    expect(events.find((e) => e.type === "pipeline_suspended")).toMatchObject({ suspended: ["approve"] });

    const second = await go({ resume: { data: { answer: "yes" } } });
    expect(second.status).toBe("SUCCESS");
    expect(statuses(second.runLog, "approve")).toEqual(["SUSPENDED", "SUCCESS"]);
    expect(findStep(second.runLog, "approve")!.attempts[1]).toMatchObject({ attempt_number: 2, resume_data: { answer: "yes" } });
    expect(second.runLog.parameters.final?.value).toBe("yes!");
    expect(second.runLog.run_config.resume).toBeUndefined();
    expect([counted(dir, "before"), counted(dir, "approve"), counted(dir, "after")]).toEqual([1, 2, 1]);
  });

  it("suspends in a parallel branch while the other branch finishes; the step after the parallel waits", async () => {
    const { dir, go } = setup(PARALLEL);
    const first = await go();
    expect(first.status).toBe("SUSPENDED");
    expect(findStep(first.runLog, "par")!.status).toBe("SUSPENDED");
    expect(findStep(first.runLog, "par.left.approve")!.status).toBe("SUSPENDED");
    expect(findStep(first.runLog, "par.right.side")!.status).toBe("SUCCESS");
    expect(counted(dir, "after")).toBe(0);
    const second = await go({ resume: { step: "par.left.approve", data: { answer: "go" } } });
    expect(second.status).toBe("SUCCESS");
    expect(second.runLog.parameters.final?.value).toBe("go!");
    expect([counted(dir, "side"), counted(dir, "approve"), counted(dir, "after")]).toEqual([1, 2, 1]);
  });

  it("suspends 2 of 3 map iterations and stays SUSPENDED until both are resumed, one at a time", async () => {
    const { dir, go } = setup(MAP);
    const first = await go();
    expect(first.status).toBe("SUSPENDED");
    expect(["each.a.gate", "each.b.gate", "each.c.gate"].map((n) => findStep(first.runLog, n)!.status)).toEqual(["SUSPENDED", "SUCCESS", "SUSPENDED"]);
    expect(counted(dir, "side")).toBe(0);

    const ambiguous = await go({ resume: { data: {} } }).catch((e: unknown) => e);
    expect(isRunnableError(ambiguous) && ambiguous.code).toBe("E_RESUME_AMBIGUOUS");

    const second = await go({ resume: { step: "each.c.gate", data: { tag: "-ok" } } });
    expect(second.status).toBe("SUSPENDED");
    expect(statuses(second.runLog, "each.c.gate")).toEqual(["SUSPENDED", "SUCCESS"]);
    expect(statuses(second.runLog, "each.a.gate")).toEqual(["SUSPENDED"]);
    expect(counted(dir, "side")).toBe(0);

    const third = await go({ resume: { data: { tag: "-yes" } } });
    expect(third.status).toBe("SUCCESS");
    expect(third.runLog.parameters.out?.value).toEqual(["a-yes", "b", "c-ok"]);
    expect([counted(dir, "gate-a"), counted(dir, "gate-b"), counted(dir, "gate-c"), counted(dir, "side")]).toEqual([2, 1, 2, 1]);
  });

  it("keeps a suspension the task caught: the attempt is SUSPENDED and its returns are not stored", async () => {
    const { dir, go } = setup(SWALLOW);
    const first = await go();
    expect(first.status).toBe("SUSPENDED");
    expect(findStep(first.runLog, "s")!.attempts[0]).toMatchObject({ status: "SUSPENDED", suspend_payload: "caught" });
    expect(first.runLog.parameters.v).toBeUndefined();
    expect(counted(dir, "side")).toBe(0);
  });
});

describe("bad resumes change nothing", () => {
  const setup = async (yaml: string) => {
    const w = workdir(`run-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n`);
    writeFileSync(join(w.dir, "tasks.js"), TASKS);
    writeFileSync(join(w.dir, "pipeline.yaml"), yaml);
    const definition = await loadDefinition(join(w.dir, "pipeline.yaml"), w.dir);
    const go = (extra: { retry?: boolean; resume?: ResumeRequest } = {}) =>
      runPipeline(definition.graph, {
        definition: definition.source,
        cwd: w.dir,
        configurationFile: w.config,
        env: {},
        runId: "r1",
        ...(extra.retry || extra.resume ? { retryRunId: "r1" } : {}),
        ...(extra.resume ? { resume: extra.resume } : {}),
      });
    return { ...w, go };
  };
  const codeOf = (error: unknown) => (isRunnableError(error) ? error.code : String(error));

  it("refuses a --step that is not suspended, a run that is not suspended, and a plain retry of a suspended run", async () => {
    const { go } = await setup(CHAIN);
    const first = await go();
    const snapshot = JSON.stringify(first.runLog);
    expect(codeOf(await go({ resume: { step: "before" } }).catch((e: unknown) => e))).toBe("E_STEP_NOT_SUSPENDED");
    expect(codeOf(await go({ resume: { step: "nope" } }).catch((e: unknown) => e))).toBe("E_STEP_NOT_SUSPENDED");
    expect(codeOf(await go({ retry: true }).catch((e: unknown) => e))).toBe("E_RUN_SUSPENDED");
    const done = await go({ resume: { data: { answer: "y" } } });
    expect(done.status).toBe("SUCCESS");
    expect(codeOf(await go({ resume: { data: {} } }).catch((e: unknown) => e))).toBe("E_NOT_SUSPENDED");
    // The refused attempts wrote nothing: the second attempt is the resume's.
    expect(JSON.parse(snapshot).steps.approve.attempts).toHaveLength(1);
    expect(findStep(done.runLog, "approve")!.attempts).toHaveLength(2);
    expect(done.runLog.run_config.retries).toBe(1);
  });
});

describe("SDK: pipeline.execute() resolves SUSPENDED, pipeline.resume() and resumeStreaming() go on", () => {
  it("resolves with the suspended run log, then resumes with the data (AsyncPipeline streams step_suspended / pipeline_suspended)", async () => {
    const w = workdir(`run-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n`);
    let after = 0;
    const pipeline = new AsyncPipeline({
      steps: [
        new AsyncFunctionTask({ name: "ask", fn: async (_p: Record<string, never>, ctx: TaskContext) => (ctx.resumeData === undefined ? ctx.suspend({ q: 1 }) : (ctx.resumeData as { v: number }).v), returns: ["v"] }),
        new FunctionTask({ name: "after", fn: (p: { v: number }) => ((after += 1), p.v * 2), returns: ["w"] }),
      ],
    });
    const options = { cwd: w.dir, configurationFile: w.config };
    const types: string[] = [];
    for await (const event of pipeline.executeStreaming({ ...options, runId: "sdk1" })) types.push(event.type);
    expect(types).toEqual(expect.arrayContaining(["step_suspended", "pipeline_suspended", "pipeline_completed"]));
    expect(types.indexOf("pipeline_suspended")).toBeLessThan(types.indexOf("pipeline_completed"));
    const suspended = await pipeline.execute({ ...options, runId: "sdk2" });
    expect(suspended.status).toBe("SUSPENDED");
    expect(after).toBe(0);
    const done = await pipeline.resume("sdk2", { ...options, data: { v: 21 } });
    expect(done.status).toBe("SUCCESS");
    expect(done.parameters.w?.value).toBe(42);
    const streamed: RunEvent[] = [];
    for await (const event of pipeline.resumeStreaming("sdk1", { ...options, step: "ask", data: { v: 1 } })) streamed.push(event);
    expect(streamed.at(-1)).toMatchObject({ type: "pipeline_completed", status: "SUCCESS" });
    expect(after).toBe(2);
    await expect(pipeline.resume("sdk2", options)).rejects.toMatchObject({ code: "E_NOT_SUSPENDED" });
  });
});

describe("a job cannot suspend", () => {
  it("fails the job's attempt with E_SUSPEND_UNSUPPORTED (a job has no resume)", async () => {
    const w = workdir();
    const job = new FunctionJob({ fn: async (_p: Record<string, never>, ctx: TaskContext) => ctx.suspend("wait") });
    const error = (await job.execute({ cwd: w.dir, configurationFile: w.config }).catch((e: unknown) => e)) as { runLog?: RunLog };
    expect(error.runLog?.status).toBe("FAIL");
    expect(error.runLog?.job?.attempts.map((a) => a.status)).toEqual(["FAIL"]);
    expect(error.runLog?.job?.message).toMatch(/a job cannot be suspended/);
  });
});
