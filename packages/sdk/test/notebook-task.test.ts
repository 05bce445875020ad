import { metric, NotebookTask, Pipeline } from "../src/index";

describe("NotebookTask", () => {
  it("is a task of command_type notebook whose command is the notebook path, with its kernel and task options", () => {
    const graph = new Pipeline({
      steps: [new NotebookTask({ name: "nb", notebook: "notebooks/a.ipynb", kernel: "py311", returns: ["x", metric("m")], secrets: ["key"], timeoutMs: 5000 })],
    }).toGraph();
    expect(graph.steps.nb).toEqual({
      type: "task",
      name: "nb",
      command_type: "notebook",
      command: "notebooks/a.ipynb",
      kernel: "py311",
      returns: [
        { name: "x", kind: "json" },
        { name: "m", kind: "metric" },
      ],
      secrets: ["key"],
      max_attempts: 1,
      retry_delay_ms: 0,
      timeout_ms: 5000,
      overrides: {},
      stream_end_type: "done",
      next: "success",
    });
  });

  it("leaves the kernel out when not given (the task type's default applies)", () => {
    expect(new NotebookTask({ name: "nb", notebook: "a.IPYNB" }).toNode()).not.toHaveProperty("kernel");
  });

  it("rejects a notebook path that is not an .ipynb file", () => {
    expect(() => new NotebookTask({ name: "nb", notebook: "a.py" })).toThrow('step "nb": notebook must be the path of an .ipynb file');
  });
});
