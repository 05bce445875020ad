import { RunnableError } from "./errors";
import type { ReturnSpec } from "./graph";

/**
 * Maps what a function returned to its return names: with one name the value itself, with
 * N > 1 names an array (or other iterable) of exactly N values, with none nothing.
 * @throws RunnableError `E_RETURN_INVALID` saying how many values were expected and received.
 */
export function mapReturnValue(returns: readonly ReturnSpec[], value: unknown): Record<string, unknown> {
  if (returns.length === 0) return {};
  if (returns.length === 1) return { [returns[0]!.name]: value };
  const values = Array.isArray(value) ? value : value !== null && typeof value === "object" && Symbol.iterator in value ? [...(value as Iterable<unknown>)] : undefined;
  if (!values || values.length !== returns.length)
    throw new RunnableError(
      "E_RETURN_INVALID",
      `returns ${returns.length} names (${returns.map((r) => r.name).join(", ")}) but the function returned ${values ? `${values.length} values` : `a single ${value === null ? "null" : typeof value}`}; return an array of ${returns.length} values`,
      { returns: returns.map((r) => r.name) },
    );
  return Object.fromEntries(returns.map((r, i) => [r.name, values[i]]));
}

/**
 * A value from text: JSON when it parses, else the string itself. How `RUNNABLE_PRM_*`
 * variables and shell `export NAME=value` returns are read.
 */
export function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
