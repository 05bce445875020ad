import { FunctionTask, GraphError, Pipeline, type GraphDef } from "@runnable-ts/sdk";
import * as graphCheck from "../src/graph-check";
import { run, workdir } from "./support";

describe("prepare: a graph object is checked once per kernel and working directory", () => {
  afterEach(() => jest.restoreAllMocks());

  it("checks a graph run again in the same folder only once, and again in another folder", async () => {
    const checks = jest.spyOn(graphCheck, "checkGraph");
    const graph = new Pipeline({ steps: [new FunctionTask({ name: "one", fn: () => 1, returns: ["n"] })] }).toGraph();
    const w = workdir();
    for (let i = 0; i < 3; i++) expect((await run(graph, w)).status).toBe("SUCCESS");
    expect(checks).toHaveBeenCalledTimes(1);
    expect((await run(graph, workdir())).status).toBe("SUCCESS");
    expect(checks).toHaveBeenCalledTimes(2);
    // Another graph object with the same steps is checked on its own.
    expect((await run(new Pipeline({ steps: [new FunctionTask({ name: "one", fn: () => 1, returns: ["n"] })] }).toGraph(), w)).status).toBe("SUCCESS");
    expect(checks).toHaveBeenCalledTimes(3);
  });

  it("reports a graph that fails its checks every time it is run, before anything runs", async () => {
    const broken: GraphDef = { start_at: "one", steps: { one: { type: "task", name: "one", command: "not a function", command_type: "function", next: "nowhere" } } };
    const w = workdir();
    for (let i = 0; i < 2; i++) await expect(run(broken, w)).rejects.toBeInstanceOf(GraphError);
  });
});
