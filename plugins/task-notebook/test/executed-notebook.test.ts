import type { Cell, Notebook } from "../src/notebook-file";
import { mask, readExecuted } from "../src/executed-notebook";
import { prepareNotebook } from "../src/prepare-notebook";

// Executed notebooks as Jupyter writes them (the end-to-end tests in test/notebook-task.test.ts run the real thing).
const code = (source: string, outputs: Cell["outputs"] = []): Cell => ({ cell_type: "code", source, metadata: {}, outputs, execution_count: 1 });
const nb = (cells: Cell[]): Notebook => ({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
const none = { read: () => ({ found: false }), all: () => ({}) };

describe("readExecuted", () => {
  const source = nb([{ cell_type: "markdown", source: "# t", metadata: {} }, code("x = 1"), code("1/0"), code("later()")]);

  it("names the first raising cell by its position in the user's notebook, with the error's name and message", () => {
    const prepared = prepareNotebook(source, none, ["x"]);
    const executed = nb(prepared.notebook.cells.map((c, i) => (i === 4 ? { ...c, outputs: [{ output_type: "error", ename: "ZeroDivisionError", evalue: "division by zero", traceback: ["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"] }] } : c)));
    const result = readExecuted(executed, prepared, "a.ipynb", ["x"], []);
    expect(result.failure).toBe("a.ipynb: cell 3 (1/0) raised ZeroDivisionError: division by zero");
    expect(result.log).toEqual(["[cell 3]", "ZeroDivisionError: division by zero"]);
    expect(result.stored.cells.map((c) => c.source)).toEqual(["# Parameters", "# t", "x = 1", "1/0", "later()"]);
  });

  it("reads the returned values, and names a missing or non-JSON return", () => {
    const prepared = prepareNotebook(source, none, ["x", "y"]);
    const withReport = (report: unknown): Notebook =>
      nb(prepared.notebook.cells.map((c, i, all) => (i === all.length - 1 ? { ...c, outputs: [{ output_type: "stream", name: "stdout", text: [`${prepared.marker}`, `${JSON.stringify(report)}\n`] }] } : c)));
    expect(readExecuted(withReport({ values: { x: 1, y: [2] }, missing: [], unserializable: {} }), prepared, "a.ipynb", ["x", "y"], []).returns).toEqual({ x: 1, y: [2] });
    expect(readExecuted(withReport({ values: {}, missing: ["y"], unserializable: {} }), prepared, "a.ipynb", ["x", "y"], []).failure).toBe(
      'a.ipynb: the notebook did not define "y" (a return must be a variable of the notebook)',
    );
    expect(readExecuted(withReport({ values: {}, missing: [], unserializable: { x: "DataFrame" } }), prepared, "a.ipynb", ["x", "y"], []).failure).toBe(
      'a.ipynb: return "x" is a DataFrame, not a JSON value (notebook returns are json or metric)',
    );
  });

  it("masks secret values in the stored notebook, also when split over lines of a list or by colour codes", () => {
    const prepared = prepareNotebook(nb([code("print(key)")]), none, []);
    const outputs = [
      { output_type: "stream", name: "stdout", text: ["key is to", "psecret\n"] },
      { output_type: "error", ename: "ValueError", evalue: "bad topsecret", traceback: ["ValueError: bad \x1b[1mtop\x1b[0msecret"] },
    ];
    const executed = nb(prepared.notebook.cells.map((c, i) => (i === 2 ? { ...c, outputs } : c)));
    const result = readExecuted(executed, prepared, "a.ipynb", [], ["topsecret"]);
    expect(JSON.stringify(result.stored)).not.toContain("topsecret");
    expect(JSON.stringify(result.stored)).not.toMatch(/top.{0,12}secret/);
    expect(JSON.stringify(result.stored)).toContain("key is ***");
  });
});

describe("mask", () => {
  it("replaces every occurrence and leaves other text alone", () => {
    expect(mask("a s3 b s3", ["s3", ""])).toBe("a *** b ***");
  });
});
