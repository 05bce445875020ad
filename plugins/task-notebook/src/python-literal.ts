const PYTHON_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);

/** True when `name` can be assigned in Python (an ASCII identifier, not a keyword). */
export function isPythonName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name);
}

/**
 * The Python literal of a JSON value: `None`, `True`/`False`, numbers, strings, lists and
 * dicts with string keys. JSON string escapes are valid in Python string literals.
 * @throws Error saying what is not JSON (undefined, a non-finite number, a class instance, …).
 */
export function pythonLiteral(value: unknown, depth = 0): string {
  if (depth > 100) throw new Error("it is nested too deeply");
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`the number ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => pythonLiteral(item, depth + 1)).join(", ")}]`;
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new Error(`a ${(value as object).constructor?.name ?? "class"} instance is not JSON`);
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v, depth + 1)}`);
    return `{${entries.join(", ")}}`;
  }
  throw new Error(`a ${typeof value} is not JSON`);
}
