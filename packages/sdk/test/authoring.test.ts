import { FunctionTask, FunctionJob, Pipeline, ShellTask } from "../src/index";

describe("where a pipeline was defined", () => {
  it("records the module that built the pipeline (or job), not the SDK's own files", () => {
    const pipeline = new Pipeline({ steps: [new ShellTask({ name: "s", command: "true" })] });
    expect(pipeline.definedAt.file).toBe(__filename);
    expect(new FunctionJob({ fn: () => 1 }).definedAt.file).toBe(__filename);
  });
});

describe("Pipeline.toGraph", () => {
  it("chains steps in order, ends in success, and joins onFailure pipelines to the graph", () => {
    const recover = new Pipeline({ steps: [new ShellTask({ name: "recover", command: "true" })] });
    const graph = new Pipeline({
      steps: [new FunctionTask({ name: "a", fn: () => 1, onFailure: recover }), new ShellTask({ name: "b", command: "true", terminateWithFailure: true })],
    }).toGraph();
    expect(graph.start_at).toBe("a");
    expect(graph.steps.a).toMatchObject({ next: "b", on_failure: "recover" });
    expect(graph.steps.b).toMatchObject({ next: "fail" });
    expect(graph.steps.recover).toMatchObject({ next: "success" });
  });
});
