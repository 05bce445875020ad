import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeDef } from "@runnable-ts/sdk";
import { notebookProblems } from "../src/index";

const node = (fields: Record<string, unknown>): NodeDef => ({ type: "task", name: "nb", command_type: "notebook", returns: [], ...fields });

describe("notebookProblems (definition-time checks)", () => {
  const dir = mkdtempSync(join(tmpdir(), "notebook-problems-"));
  writeFileSync(join(dir, "ok.ipynb"), JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));

  it("accepts an existing notebook relative to the working directory", async () => {
    expect(await notebookProblems(node({ command: "ok.ipynb", kernel: "python3", returns: [{ name: "x", kind: "metric" }] }), dir)).toEqual([]);
  });

  it("reports every problem: a command that is not a notebook, a bad kernel name, pickled and non-Python returns", async () => {
    expect(await notebookProblems(node({ command: "run.py", kernel: "python 3", returns: [{ name: "o", kind: "object" }, { name: "my-x", kind: "json" }] }), dir)).toEqual([
      'a notebook task\'s command is the path of an .ipynb file (got "run.py")',
      'kernel must be a Jupyter kernel name such as "python3" (got "python 3")',
      'return "o": a notebook returns json or metric values, not pickled objects',
      'return "my-x" is not a Python variable name',
    ]);
  });

  it("reports a missing notebook, naming the path as written", async () => {
    expect(await notebookProblems(node({ command: "sub/none.ipynb" }), dir)).toEqual(["notebook sub/none.ipynb does not exist (the path is relative to the working directory)"]);
  });
});
