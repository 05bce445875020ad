import { declaredNames, parseNotebook } from "../src/notebook-file";

describe("declaredNames", () => {
  it("finds top-level assignments, annotated or not, in order and once", () => {
    expect(declaredNames("a = 1\nb: int = 2\n# c = 3\nif a == 1:\n    d = 4\ne += 1\nf == 2\na = 5\ng=[]")).toEqual(["a", "b", "g"]);
  });
});

describe("parseNotebook", () => {
  it("rejects text that is not an nbformat 4 notebook, naming the file", () => {
    expect(() => parseNotebook("{", "x.ipynb")).toThrow(/^notebook x\.ipynb is not valid JSON/);
    expect(() => parseNotebook('{"worksheets": [], "nbformat": 3}', "x.ipynb")).toThrow("notebook x.ipynb is not an nbformat 4 notebook");
    expect(() => parseNotebook('{"cells": [{}], "nbformat": 4}', "x.ipynb")).toThrow("notebook x.ipynb: cell 1 has no cell_type");
  });

  it("reads a notebook without metadata", () => {
    expect(parseNotebook('{"cells": [], "nbformat": 4}', "x.ipynb")).toEqual({ cells: [], nbformat: 4, nbformat_minor: 0, metadata: {} });
  });
});
