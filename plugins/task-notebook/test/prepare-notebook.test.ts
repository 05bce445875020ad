import type { Cell, Notebook } from "../src/notebook-file";
import { prepareNotebook, type ParameterSource } from "../src/prepare-notebook";

const code = (source: string, tags?: string[]): Cell => ({ cell_type: "code", source, metadata: tags ? { tags } : {}, outputs: [{ output_type: "stream", text: "old" }], execution_count: 3 });
const notebook = (cells: Cell[], minor = 5): Notebook => ({ cells, metadata: {}, nbformat: 4, nbformat_minor: minor });
const source = (values: Record<string, unknown>): ParameterSource & { reads: string[] } => {
  const reads: string[] = [];
  return {
    reads,
    read: (name) => {
      reads.push(name);
      return name in values ? { found: true, value: values[name] } : { found: false };
    },
    all: () => values,
  };
};
const sources = (nb: Notebook): string[] => nb.cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));

describe("prepareNotebook", () => {
  it("injects the names the parameters cell declares right after it, reading only those", () => {
    const params = source({ a: 10, b: "x", unrelated: 1 });
    const prepared = prepareNotebook(notebook([code("import os"), code("a = 1\nb = 'y'\nc = None", ["parameters"]), code("print(a)")]), params, []);
    const cells = sources(prepared.notebook);
    expect(cells[2]).toBe("a = 1\nb = 'y'\nc = None");
    expect(cells[3]).toBe('# Parameters\na = 10\nb = "x"');
    expect(prepared.notebook.cells[3]?.metadata.tags).toEqual(["injected-parameters"]);
    expect(prepared.origins).toEqual(["guard", 1, 2, "injected", 3]);
    expect(params.reads).toEqual(["a", "b", "c"]);
    expect(prepared.injected).toEqual(["a", "b"]);
    expect(prepared.notebook.cells[1]).toMatchObject({ outputs: [], execution_count: null });
  });

  it("without a parameters cell injects every parameter at the top, skipping names Python cannot assign", () => {
    const prepared = prepareNotebook(notebook([code("print(a)")]), source({ a: [1, 2], "my-name": 3, class: 4 }), ["total"]);
    expect(sources(prepared.notebook)[1]).toBe("# Parameters\na = [1, 2]");
    expect(prepared.skipped).toEqual(["my-name", "class"]);
    expect(prepared.origins).toEqual(["guard", "injected", 1, "returns"]);
    expect(sources(prepared.notebook)[3]).toContain(`__runnable_returns(["total"], "${prepared.marker}")`);
  });

  it("replaces an injected cell left by an earlier run and adds cell ids only where the format has them", () => {
    const prepared = prepareNotebook(notebook([code("a = 1", ["parameters"]), code("a = 99", ["injected-parameters"]), code("a")], 4), source({ a: 2 }), []);
    expect(sources(prepared.notebook)).toEqual([expect.stringContaining("__runnable_guard"), "a = 1", "# Parameters\na = 2", "a"]);
    expect(prepared.notebook.cells.some((c) => "id" in c)).toBe(false);
    const v45 = prepareNotebook(notebook([code("a")]), source({}), []);
    expect(v45.notebook.cells[0]?.id).toBe("runnable-guard");
  });

  it("fails naming a parameter whose value is not JSON", () => {
    expect(() => prepareNotebook(notebook([code("when = None", ["parameters"])]), source({ when: new Date(0) }), [])).toThrow(
      'parameter "when" cannot be passed to the notebook: a Date instance is not JSON (notebook parameters must be JSON values)',
    );
  });
});
