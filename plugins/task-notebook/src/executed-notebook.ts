import { textOf, type Cell, type CellOutput, type Notebook } from "./notebook-file";
import type { PreparedNotebook } from "./prepare-notebook";

/** What an executed notebook says about the attempt. */
export interface ExecutedResult {
  /** The notebook to store: helper cells removed, secret values masked. */
  stored: Notebook;
  /** The cells' text output, for the execution log. */
  log: string[];
  /** Why the attempt failed (a cell raised, a return is missing or not JSON), if it did. */
  failure?: string;
  /** The returned values by name, when nothing failed. */
  returns: Record<string, unknown>;
}

// eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** `text` without terminal colour codes (IPython colours its tracebacks). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Replaces every occurrence of each secret value with `***`, also when colour codes split it. */
export function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join("***");
  if (secrets.some((s) => s.length > 0 && stripAnsi(out).includes(s))) return mask(stripAnsi(out), secrets);
  return out;
}

function outputText(output: CellOutput): string {
  if (output.output_type === "stream") return textOf(output.text);
  if (output.output_type === "error") return stripAnsi((output.traceback ?? [`${output.ename}: ${output.evalue}`]).join("\n"));
  const plain = output.data?.["text/plain"];
  return typeof plain === "string" || Array.isArray(plain) ? textOf(plain as string | string[]) : "";
}

function firstLine(cell: Cell): string {
  const line = textOf(cell.source).split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** Joins list-of-lines fields into strings (so a masked value cannot straddle two items), then masks every string. */
function masked<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === "string") return mask(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => masked(v, secrets)) as T;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const joined = (k === "source" || k === "text" || k === "text/plain" || k === "text/html" || k === "text/markdown") && Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v;
      out[k] = masked(joined, secrets);
    }
    return out as T;
  }
  return value;
}

/**
 * Reads an executed notebook: the first cell that raised (as `cell N` of the user's notebook,
 * with the error's name and message), the returned values printed by the returns cell, the
 * cells' text output, and the notebook to store.
 */
export function readExecuted(executed: Notebook, prepared: PreparedNotebook, shown: string, returns: readonly string[], secrets: readonly string[]): ExecutedResult {
  const { origins } = prepared;
  const log: string[] = [];
  let failure: string | undefined;
  let printed: string | undefined;
  if (prepared.injected.length > 0) log.push(`Injected parameters: ${prepared.injected.join(", ")}`);
  if (prepared.skipped.length > 0) log.push(`Not injected (not Python names): ${prepared.skipped.join(", ")}`);
  const kept: Cell[] = [];
  executed.cells.forEach((cell, i) => {
    const origin = origins[i] ?? i;
    const outputs = cell.outputs ?? [];
    if (origin === "returns") {
      for (const o of outputs) if (o.output_type === "stream") printed = (printed ?? "") + textOf(o.text);
    }
    const error = outputs.find((o) => o.output_type === "error");
    if (error && failure === undefined) {
      const where = typeof origin === "number" ? `cell ${origin}${firstLine(cell) ? ` (${firstLine(cell)})` : ""}` : `the ${origin} cell added by runnable`;
      failure = `${shown}: ${where} raised ${error.ename ?? "an error"}: ${error.evalue ?? ""}`.trimEnd();
    }
    if (origin === "guard" || origin === "returns") return;
    kept.push(cell);
    if (typeof origin !== "number" || cell.cell_type !== "code") return;
    const text = outputs
      .map(outputText)
      .filter((t) => t !== "")
      .map((t) => (t.endsWith("\n") ? t : `${t}\n`))
      .join("")
      .replace(/\n$/, "");
    if (text !== "") log.push(`[cell ${origin}]`, text);
  });
  const stored = masked({ ...executed, cells: kept }, secrets);
  if (failure !== undefined) return { stored, log, failure, returns: {} };
  if (returns.length === 0) return { stored, log, returns: {} };
  const line = printed?.split("\n").find((l) => l.startsWith(prepared.marker));
  if (line === undefined) return { stored, log, failure: `${shown}: the kernel did not report the returned values (is "${executed.metadata.kernelspec ? String((executed.metadata.kernelspec as { name?: unknown }).name) : "the kernel"}" a Python kernel?)`, returns: {} };
  const report = JSON.parse(line.slice(prepared.marker.length)) as { values: Record<string, unknown>; missing: string[]; unserializable: Record<string, string> };
  const [missing] = report.missing;
  if (missing !== undefined) return { stored, log, failure: `${shown}: the notebook did not define "${missing}" (a return must be a variable of the notebook)`, returns: {} };
  const [bad] = Object.entries(report.unserializable);
  if (bad) return { stored, log, failure: `${shown}: return "${bad[0]}" is a ${bad[1]}, not a JSON value (notebook returns are json or metric)`, returns: {} };
  return { stored, log, returns: report.values };
}
