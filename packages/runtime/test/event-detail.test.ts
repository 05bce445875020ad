import { FunctionTask, Pipeline, type EventDetail, type GraphDef, type RunEvent } from "@runnable-ts/sdk";
import { runPipeline, type RunProgress } from "../src/index";
import { workdir } from "./support";

/** One step that reads a parameter, prints a line and returns a value: every kind of detail. */
const graph = new Pipeline({
  steps: [
    new FunctionTask({ name: "first", fn: () => "hello", returns: ["word"] }),
    new FunctionTask({
      name: "second",
      fn: ({ word }: { word: string }) => {
        console.log(`got ${word}`);
        return word.length;
      },
      returns: ["size"],
    }),
  ],
}).toGraph();

async function eventsOf(eventDetail?: EventDetail, g: GraphDef = graph, expected = "SUCCESS"): Promise<RunEvent[]> {
  const w = workdir();
  const events: RunEvent[] = [];
  const result = await runPipeline(g, { definition: { kind: "sdk", file: undefined }, cwd: w.dir, configurationFile: w.config, env: {}, onEvent: (e) => void events.push(e), ...(eventDetail ? { eventDetail } : {}) });
  expect(result.status).toBe(expected);
  return events;
}

describe("eventDetail: what a listener needs beyond the lifecycle events", () => {
  it("by default, task events carry inputs and outputs previews and task_output lines come", async () => {
    const events = await eventsOf();
    expect(events.find((e) => e.type === "task_started" && e.step === "second")).toMatchObject({ inputs: '{"word":"hello"}' });
    expect(events.find((e) => e.type === "task_completed" && e.step === "second")).toMatchObject({ outputs: '{"size":5}' });
    expect(events.filter((e) => e.type === "task_output").map((e) => e.line)).toEqual(["got hello"]);
  });

  it("without previews and output: the same lifecycle events, in the same order, with run_id and timestamp, no previews, no task_output", async () => {
    const full = await eventsOf();
    const lean = await eventsOf({ previews: false, output: false });
    expect(lean.map((e) => `${e.type} ${e.step}`)).toEqual(full.filter((e) => e.type !== "task_output").map((e) => `${e.type} ${e.step}`));
    for (const e of lean) {
      expect(e).toMatchObject({ run_id: expect.any(String), timestamp: expect.stringMatching(/Z$/) });
      expect(e).not.toHaveProperty("inputs");
      expect(e).not.toHaveProperty("outputs");
    }
    expect(lean.find((e) => e.type === "task_started" && e.step === "second")).toMatchObject({ attempt: 1 });
  });

  it("output without previews: task_output lines but no previews (what the live view asks for)", async () => {
    const events = await eventsOf({ previews: false, output: true });
    expect(events.filter((e) => e.type === "task_output").map((e) => e.line)).toEqual(["got hello"]);
    expect(events.some((e) => "inputs" in e || "outputs" in e)).toBe(false);
  });

  it("without tasks: no task events, even for failed attempts; the rest unchanged (what plain lines ask for)", async () => {
    const full = await eventsOf();
    const lean = await eventsOf({ previews: false, output: true, tasks: false });
    expect(lean.map((e) => `${e.type} ${e.step}`)).toEqual(full.filter((e) => !e.type.startsWith("task_") || e.type === "task_output").map((e) => `${e.type} ${e.step}`));
    let calls = 0;
    const failing = new Pipeline({
      steps: [
        new FunctionTask({
          name: "flaky",
          maxAttempts: 3,
          fn: () => {
            calls++;
            throw new Error(`attempt ${calls} broke`);
          },
        }),
      ],
    }).toGraph();
    const failed = await eventsOf({ previews: false, output: false, tasks: false }, failing, "FAIL");
    expect(failed.filter((e) => e.step === "flaky").map((e) => e.type)).toEqual(["step_started", "step_completed"]);
    expect(calls).toBe(3);
  });

  it("without steps: no step_started / step_completed, and onProgress shows the running steps, what finished by status and the last to finish", async () => {
    const w = workdir();
    const events: RunEvent[] = [];
    const seen: string[][] = [];
    let progress: RunProgress | undefined;
    const sampled = new Pipeline({
      steps: [
        new FunctionTask({ name: "first", fn: () => void seen.push([...progress!.running.keys()]) }),
        new FunctionTask({ name: "second", fn: () => void seen.push([...progress!.running.keys()]) }),
      ],
    }).toGraph();
    const result = await runPipeline(sampled, {
      definition: { kind: "sdk", file: undefined },
      cwd: w.dir,
      configurationFile: w.config,
      env: {},
      onEvent: (e) => void events.push(e),
      eventDetail: { previews: false, output: true, tasks: false, steps: false },
      onProgress: (p) => (progress = p),
    });
    expect(result.status).toBe("SUCCESS");
    expect(events.some((e) => e.type === "step_started" || e.type === "step_completed")).toBe(false);
    expect(events.map((e) => e.type)).toEqual(["pipeline_started", "pipeline_completed"]);
    // While each task runs, it is the running step; at the end nothing runs and all three finished.
    expect(seen).toEqual([["first"], ["second"]]);
    expect(progress!.running.size).toBe(0);
    expect([...progress!.finished]).toEqual([["SUCCESS", 3]]);
    expect(progress!.recent.map((l) => l.internal_name)).toEqual(["first", "second", "success"]);
  });
});
