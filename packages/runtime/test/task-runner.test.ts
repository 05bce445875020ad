import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AsyncFunctionTask, FunctionTask, MapStep, Parallel, Pipeline, ShellTask, z, type RunEvent } from "@runnable-ts/sdk";
import { runPipeline } from "../src/index";
import { findStep, run, workdir } from "./support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET = "tok-3f9a1c77e2";

/** A working directory whose dotenv secrets file holds `token`. */
function secretDir(executor = "local"): { dir: string; config: string } {
  const w = workdir(`pipeline-executor: ${executor}\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\nsecrets: { type: dotenv, config: { location: .env } }\n`);
  writeFileSync(join(w.dir, ".env"), `token=${SECRET}\n`);
  return w;
}

/** Every file the run wrote under the working directory, as text. */
function everythingWritten(dir: string): string {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name !== ".env") out.push(readFileSync(path, "utf8"));
    }
  };
  visit(dir);
  return out.join("\n");
}

describe("a task that throws", () => {
  it.each([
    ["undefined", () => { throw undefined; }, "the task threw undefined (not an Error)"],
    ["null", () => { throw null; }, "the task threw null (not an Error)"],
    ["a string", () => { throw "boom"; }, 'the task threw "boom" (not an Error)'],
    ["undefined from an async function", async () => { await sleep(1); throw undefined; }, "the task threw undefined (not an Error)"],
  ])("fails the step when it throws %s, saying what was thrown", async (_label, fn, message) => {
    const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "t", fn: fn as () => unknown })] });
    const { status, runLog } = await run(pipeline);
    expect(status).toBe("FAIL");
    expect(runLog.steps.t?.status).toBe("FAIL");
    expect(runLog.steps.t?.attempts[0]?.message).toBe(message);
    expect(runLog.steps.fail?.status).toBe("SUCCESS");
  });
});

describe("input schema", () => {
  it("hands the function the zod-coerced values (a string parameter arrives as a number)", async () => {
    let seen: unknown;
    const pipeline = new Pipeline({
      steps: [new FunctionTask({ name: "t", input: z.object({ n: z.coerce.number(), when: z.coerce.date() }), fn: (p: { n: number; when: Date }) => ((seen = p), p.n * 2), returns: ["doubled"] })],
    });
    const { status, runLog } = await run(pipeline, { ...workdir(), env: { RUNNABLE_PRM_n: '"21"', RUNNABLE_PRM_when: '"2024-01-02"' } });
    expect(status).toBe("SUCCESS");
    expect(seen).toMatchObject({ n: 21 });
    expect((seen as { when: Date }).when).toBeInstanceOf(Date);
    expect(runLog.parameters.doubled?.value).toBe(42);
  });
});

describe("input_parameters", () => {
  it("are the same whether or not anyone observes events, and a map iteration does not copy the list", async () => {
    const pipeline = () =>
      new Pipeline({
        steps: [
          new FunctionTask({ name: "load", fn: () => Array.from({ length: 500 }, (_, i) => i), returns: ["items"] }),
          new MapStep({ name: "m", iterateOn: "items", iterateAs: "item", branch: new Pipeline({ steps: [new FunctionTask({ name: "w", fn: ({ item }: { item: number }) => item * 2, returns: ["d"] })] }) }),
        ],
      });
    const events: RunEvent[] = [];
    const observed = await run(pipeline(), { events });
    const unobserved = await run(pipeline());
    expect(events.some((e) => e.type === "task_started")).toBe(true);
    const inputs = (log: typeof observed.runLog) => findStep(log, "m.7.w")?.attempts[0]?.input_parameters;
    expect(inputs(observed.runLog)).toEqual({ item: { kind: "json", value: 7 } });
    expect(inputs(observed.runLog)).toEqual(inputs(unobserved.runLog));
  });
});

describe("secrets (SPEC §8)", () => {
  it("fails a function returning a secret with E_SECRET_LEAK naming the return; the value is nowhere", async () => {
    const w = secretDir();
    const events: RunEvent[] = [];
    const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "leak", secrets: ["token"], fn: (_p, ctx) => `Bearer ${ctx.secrets.token}`, returns: ["header"] })] });
    const { status, runLog } = await run(pipeline, { ...w, events });
    expect(status).toBe("FAIL");
    const message = runLog.steps.leak?.attempts[0]?.message ?? "";
    expect(message).toMatch(/return "header" contains the value of secret "token"/);
    expect(runLog.parameters.header).toBeUndefined();
    expect(JSON.stringify(runLog)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(everythingWritten(w.dir)).not.toContain(SECRET);
  });

  it("fails a shell task exporting a secret as a return", async () => {
    const w = secretDir();
    const pipeline = new Pipeline({ steps: [new ShellTask({ name: "sh", secrets: ["token"], command: 'echo "using $token"; export out="x-$token"', returns: ["out"] })] });
    const { status, runLog } = await run(pipeline, w);
    expect(status).toBe("FAIL");
    expect(runLog.steps.sh?.attempts[0]?.message).toContain('return "out" contains the value of secret "token"');
    expect(JSON.stringify(runLog)).not.toContain(SECRET);
    const log = readFileSync(join(w.dir, ".catalog", runLog.run_id, "sh.attempt1.execution.log"), "utf8");
    expect(log).toContain("using ***");
    expect(everythingWritten(w.dir)).not.toContain(SECRET);
  });

  it("masks secrets in events a task yields or emits (done included), in previews, logs and error messages", async () => {
    const w = secretDir("async-local");
    const events: RunEvent[] = [];
    const pipeline = new Pipeline({
      steps: [
        new AsyncFunctionTask({
          name: "gen",
          secrets: ["token"],
          fn: async function* (_p: Record<string, unknown>, ctx) {
            console.log(`printing ${ctx.secrets.token}`);
            await ctx.emit({ type: "note", text: `emitted ${ctx.secrets.token}` });
            yield { type: "progress", nested: { list: [ctx.secrets.token] } };
            yield { type: "done", summary: "fine", echo: `${ctx.secrets.token}` };
          },
          returns: ["summary"],
        }),
        new FunctionTask({ name: "boom", secrets: ["token"], fn: (_p, ctx) => { throw new Error(`bad token ${ctx.secrets.token}`); } }),
      ],
    });
    const { runLog } = await run(pipeline, { ...w, events });
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["note", "progress", "done", "task_started", "task_error"]));
    expect(events.find((e) => e.type === "note")?.text).toBe("emitted ***");
    expect(events.find((e) => e.type === "done")?.echo).toBe("***");
    expect(runLog.steps.boom?.attempts[0]?.message).toBe("bad token ***");
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(runLog)).not.toContain(SECRET);
    const written = everythingWritten(w.dir);
    expect(written).toContain("printing ***");
    expect(written).not.toContain(SECRET);
  });
});

describe("console capture (one process, many runs)", () => {
  it("keeps each task's console output in its own run's execution log under local, with concurrent execute() calls; the host's lines stay out", async () => {
    const pipeline = (who: string) =>
      new Pipeline({
        steps: [
          new AsyncFunctionTask({
            name: "talk",
            fn: async () => {
              for (let i = 0; i < 5; i++) {
                console.log(`${who} line ${i}`);
                await sleep(3);
              }
            },
          }),
        ],
      });
    const who = ["r0", "r1", "r2", "r3"];
    const dirs = who.map(() => workdir("pipeline-executor: local\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n"));
    let hostTicks = 0;
    const host = setInterval(() => {
      hostTicks++;
      console.log("host access log line");
    }, 2);
    let results;
    try {
      results = await Promise.all(who.map((w, i) => run(pipeline(w), dirs[i])));
    } finally {
      clearInterval(host);
    }
    expect(hostTicks).toBeGreaterThan(0);
    results.forEach((r, i) => {
      const text = readFileSync(join(r.dir, ".catalog", r.runLog.run_id, "talk.attempt1.execution.log"), "utf8");
      const lines = text.split("\n").slice(1);
      expect(lines).toEqual([0, 1, 2, 3, 4].map((n) => `${who[i]} line ${n}`));
    });
  });

  it("plain functions' output is exact without an async context: in a concurrent map beside async tasks and the host, and not a listener's", async () => {
    const w = workdir("pipeline-executor: { type: async-local, config: { max_concurrency: 8 } }\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n");
    const pipeline = new Pipeline({
      steps: [
        new FunctionTask({ name: "load", fn: () => [1, 2, 3, 4, 5, 6], returns: ["items"] }),
        new Parallel({
          name: "par",
          branches: {
            plain: new Pipeline({
              steps: [
                new MapStep({
                  name: "m",
                  iterateOn: "items",
                  iterateAs: "item",
                  branch: new Pipeline({
                    steps: [
                      new FunctionTask({
                        name: "say",
                        fn: ({ item }: { item: number }, ctx) => {
                          console.log(`plain ${item}`);
                          void ctx.emit({ type: "said", item });
                          console.info(`plain ${item} again`);
                          return item;
                        },
                        returns: ["n"],
                      }),
                    ],
                  }),
                }),
              ],
            }),
            slow: new Pipeline({
              steps: [
                new AsyncFunctionTask({
                  name: "talk",
                  fn: async () => {
                    for (let i = 0; i < 4; i++) {
                      console.log(`async ${i}`);
                      await sleep(1);
                    }
                  },
                }),
              ],
            }),
          },
        }),
      ],
    });
    const host = setInterval(() => console.log("host line"), 1);
    let result;
    try {
      result = await runPipeline(pipeline.toGraph(), {
        definition: { kind: "sdk", file: undefined },
        cwd: w.dir,
        configurationFile: w.config,
        env: {},
        onEvent: (e) => {
          if (e.type === "said") console.log(`listener saw ${String(e.item)}`);
        },
      });
    } finally {
      clearInterval(host);
    }
    expect(result.status).toBe("SUCCESS");
    const log = (step: string): string[] => readFileSync(join(w.dir, ".catalog", result.runId, `${step}.attempt1.execution.log`), "utf8").split("\n").slice(1);
    for (let item = 1; item <= 6; item++) expect(log(`par.plain.m.${item}.say`)).toEqual([`plain ${item}`, `plain ${item} again`]);
    expect(log("par.slow.talk")).toEqual(["async 0", "async 1", "async 2", "async 3"]);
  });

  it("does not capture what an event listener prints while a task emits", async () => {
    const w = workdir("pipeline-executor: local\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n");
    const pipeline = new Pipeline({
      steps: [new AsyncFunctionTask({ name: "gen", fn: async function* () { console.log("task says hi"); yield { type: "tick" }; } })],
    });
    const result = await runPipeline(pipeline.toGraph(), {
      definition: { kind: "sdk", file: undefined },
      cwd: w.dir,
      configurationFile: w.config,
      env: {},
      onEvent: (e) => console.log(`listener: ${e.type}`),
    });
    const text = readFileSync(join(w.dir, ".catalog", result.runId, "gen.attempt1.execution.log"), "utf8");
    expect(text).toContain("task says hi");
    expect(text).not.toContain("listener:");
  });

  it("captures the console of tasks in parallel branches under local too", async () => {
    const w = workdir("pipeline-executor: local\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n");
    const pipeline = new Pipeline({
      steps: [
        new Parallel({
          name: "par",
          branches: { a: new Pipeline({ steps: [new FunctionTask({ name: "t", fn: () => console.log("from a") })] }), b: new Pipeline({ steps: [new FunctionTask({ name: "t", fn: () => console.log("from b") })] }) },
        }),
      ],
    });
    const { runLog } = await run(pipeline, w);
    expect(readFileSync(join(w.dir, ".catalog", runLog.run_id, "par.a.t.attempt1.execution.log"), "utf8")).toMatch(/from a$/);
    expect(readFileSync(join(w.dir, ".catalog", runLog.run_id, "par.b.t.attempt1.execution.log"), "utf8")).toMatch(/from b$/);
  });
});
