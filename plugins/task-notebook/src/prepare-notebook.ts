import { randomBytes } from "node:crypto";
import { declaredNames, hasTag, INJECTED_TAG, PARAMETERS_TAG, textOf, type Cell, type Notebook } from "./notebook-file";
import { isPythonName, pythonLiteral } from "./python-literal";

/** Where a cell of the notebook that runs came from. */
export type CellOrigin = number | "guard" | "injected" | "returns";

/** The notebook handed to Jupyter and what is needed to read its results. */
export interface PreparedNotebook {
  notebook: Notebook;
  /** Per cell: its 1-based position in the user's notebook, or the helper it is. */
  origins: CellOrigin[];
  /** Printed before the returned values' JSON by the returns cell. */
  marker: string;
  /** Names whose values were injected. */
  injected: string[];
  /** Parameters left out because Python cannot name them. */
  skipped: string[];
}

/** How the parameters to inject are found. */
export interface ParameterSource {
  /** Reads one parameter (or map variable) by name: declared names are read this way. */
  read(name: string): { found: boolean; value?: unknown };
  /** Every JSON / metric parameter and map variable, for notebooks without a parameters cell. */
  all(): Record<string, unknown>;
}

/**
 * Runs first and is removed from the stored notebook: once a cell fails, IPython runs every
 * later cell as empty source. Jupyter is asked to carry on after errors (so the notebook
 * executed so far is written), and this stops the notebook at the first failing cell as a
 * plain `--execute` would.
 */
const GUARD_SOURCE = [
  "def __runnable_guard():",
  "    shell = get_ipython()",
  "    state = {'failed': False}",
  "    def after(result):",
  "        state['failed'] = state['failed'] or not result.success",
  "    shell.events.register('post_run_cell', after)",
  "    shell.input_transformers_cleanup.append(lambda lines: [] if state['failed'] else lines)",
  "try:",
  "    __runnable_guard()",
  "except NameError:",
  "    pass",
  "del __runnable_guard",
].join("\n");

function returnsSource(names: readonly string[], marker: string): string {
  return [
    "def __runnable_returns(names, marker):",
    "    import json",
    "    def default(value):",
    "        if hasattr(value, 'tolist'):",
    "            return value.tolist()",
    "        raise TypeError(type(value).__name__)",
    "    values, missing, unserializable = {}, [], {}",
    "    scope = globals()",
    "    for name in names:",
    "        if name not in scope:",
    "            missing.append(name)",
    "            continue",
    "        try:",
    "            values[name] = json.loads(json.dumps(scope[name], default=default, allow_nan=False))",
    "        except (TypeError, ValueError):",
    "            unserializable[name] = type(scope[name]).__name__",
    "    print(marker + json.dumps({'values': values, 'missing': missing, 'unserializable': unserializable}))",
    `__runnable_returns(${JSON.stringify(names)}, ${JSON.stringify(marker)})`,
    "del __runnable_returns",
  ].join("\n");
}

/** A code cell; `id` only where the notebook's format has cell ids (nbformat 4.5+). */
function codeCell(source: string, id: string | undefined, tags: string[] = []): Cell {
  return { cell_type: "code", ...(id ? { id } : {}), source, metadata: tags.length > 0 ? { tags } : {}, outputs: [], execution_count: null };
}

/**
 * The notebook to execute: a guard cell, the user's cells (outputs cleared, an earlier injected
 * cell dropped) with the injected parameters right after the cell tagged `parameters` (at the
 * top when there is none), and a cell printing the returns.
 *
 * With a parameters cell, the names it assigns are injected when the run has them; without one,
 * every JSON / metric parameter and map variable is.
 * @throws Error naming a parameter whose value has no Python literal.
 */
export function prepareNotebook(source: Notebook, params: ParameterSource, returns: readonly string[]): PreparedNotebook {
  const marker = `__runnable_returns_${randomBytes(8).toString("hex")}__`;
  const id = (name: string): string | undefined => (source.nbformat > 4 || source.nbformat_minor >= 5 ? `runnable-${name}` : undefined);
  const cells: Cell[] = [];
  const origins: CellOrigin[] = [];
  const push = (cell: Cell, origin: CellOrigin): void => {
    cells.push(cell);
    origins.push(origin);
  };
  const paramsIndex = source.cells.findIndex((c) => c.cell_type === "code" && hasTag(c, PARAMETERS_TAG));
  const values: Record<string, unknown> = {};
  const skipped: string[] = [];
  if (paramsIndex >= 0) {
    for (const name of declaredNames(textOf(source.cells[paramsIndex]!.source))) {
      const found = params.read(name);
      if (found.found) values[name] = found.value;
    }
  } else {
    for (const [name, value] of Object.entries(params.all())) {
      if (isPythonName(name)) values[name] = value;
      else skipped.push(name);
    }
  }
  const lines = ["# Parameters"];
  for (const [name, value] of Object.entries(values)) {
    try {
      lines.push(`${name} = ${pythonLiteral(value)}`);
    } catch (error) {
      throw new Error(`parameter "${name}" cannot be passed to the notebook: ${(error as Error).message} (notebook parameters must be JSON values)`, { cause: error });
    }
  }
  const injected = codeCell(lines.join("\n"), id("injected-parameters"), [INJECTED_TAG]);

  push(codeCell(GUARD_SOURCE, id("guard")), "guard");
  if (paramsIndex < 0) push(injected, "injected");
  source.cells.forEach((cell, i) => {
    if (hasTag(cell, INJECTED_TAG)) return;
    push(cell.cell_type === "code" ? { ...cell, outputs: [], execution_count: null } : cell, i + 1);
    if (i === paramsIndex) push(injected, "injected");
  });
  if (returns.length > 0) push(codeCell(returnsSource(returns, marker), id("returns")), "returns");
  return { notebook: { ...source, cells }, origins, marker, injected: Object.keys(values), skipped };
}
