import { isPythonName, pythonLiteral } from "../src/python-literal";

describe("pythonLiteral", () => {
  it("writes JSON values as Python literals", () => {
    expect(pythonLiteral(null)).toBe("None");
    expect(pythonLiteral(true)).toBe("True");
    expect(pythonLiteral(false)).toBe("False");
    expect(pythonLiteral(-2.5)).toBe("-2.5");
    expect(pythonLiteral(1e21)).toBe("1e+21");
    expect(pythonLiteral('say "hi"\n\\')).toBe('"say \\"hi\\"\\n\\\\"');
    expect(pythonLiteral([1, "a", [null]])).toBe('[1, "a", [None]]');
    expect(pythonLiteral({ x: { y: false }, "odd key": 1 })).toBe('{"x": {"y": False}, "odd key": 1}');
  });

  it("refuses what JSON cannot hold, saying what it is", () => {
    expect(() => pythonLiteral(Number.NaN)).toThrow("the number NaN has no JSON form");
    expect(() => pythonLiteral(new Date(0))).toThrow("a Date instance is not JSON");
    expect(() => pythonLiteral({ nested: [new Map()] })).toThrow("a Map instance is not JSON");
    expect(() => pythonLiteral(undefined)).toThrow("a undefined is not JSON");
    expect(() => pythonLiteral(() => 1)).toThrow("a function is not JSON");
  });
});

describe("isPythonName", () => {
  it("accepts identifiers and rejects keywords and other names", () => {
    expect(["a", "_x1", "Total"].map(isPythonName)).toEqual([true, true, true]);
    expect(["class", "None", "my-param", "1a", ""].map(isPythonName)).toEqual([false, false, false, false, false]);
  });
});
