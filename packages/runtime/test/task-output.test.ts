import { FunctionTask, Pipeline, type RunEvent } from "@runnable-ts/sdk";
import { streamGraph } from "../src/index";
import { workdir } from "./support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("task_output events", () => {
  const pipeline = (lines: number) =>
    new Pipeline({
      steps: [
        new FunctionTask({
          name: "chatty",
          fn: () => {
            for (let i = 0; i < lines; i++) console.log(`line ${i}`);
          },
        }),
      ],
    }).toGraph();

  it("carry each printed line to a consumer that keeps up", async () => {
    const w = workdir();
    const events: RunEvent[] = [];
    for await (const e of streamGraph(pipeline(5), { definition: { kind: "sdk", file: undefined }, cwd: w.dir, configurationFile: w.config, env: {} })) events.push(e);
    expect(events.filter((e) => e.type === "task_output").map((e) => e.line)).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4"]);
    expect(events.find((e) => e.type === "task_output")).toMatchObject({ step: "chatty", attempt: 1 });
  });

  it("are coalesced into the latest line while a slow consumer is behind (bounded, never blocking the task)", async () => {
    const w = workdir();
    const outputs: RunEvent[] = [];
    let seen = 0;
    for await (const e of streamGraph(pipeline(20_000), { definition: { kind: "sdk", file: undefined }, cwd: w.dir, configurationFile: w.config, env: {}, eventBuffer: 8 })) {
      if (e.type === "task_output") outputs.push(e);
      if (seen++ < 20) await sleep(2);
    }
    expect(outputs.length).toBeGreaterThan(0);
    expect(outputs.length).toBeLessThan(100);
    expect(outputs[outputs.length - 1]!.line).toBe("line 19999");
  });
});
