import { readFile } from "node:fs/promises";

/** Text in a notebook: one string or a list of lines (nbformat allows both). */
export type MultilineText = string | string[];

/** One output of a code cell, as nbformat stores it. */
export interface CellOutput {
  output_type: string;
  name?: string;
  text?: MultilineText;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [field: string]: unknown;
}

/** One cell of a notebook, as nbformat stores it. */
export interface Cell {
  cell_type: string;
  id?: string;
  source: MultilineText;
  metadata: { tags?: string[]; [field: string]: unknown };
  outputs?: CellOutput[];
  execution_count?: number | null;
  [field: string]: unknown;
}

/** A notebook (nbformat 4). */
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
  [field: string]: unknown;
}

/** The tag marking the cell that declares a notebook's parameters (papermill's convention). */
export const PARAMETERS_TAG = "parameters";
/** The tag of the cell holding the injected parameter values. */
export const INJECTED_TAG = "injected-parameters";

/**
 * Reads and checks a notebook file.
 * @throws Error naming the file when it is missing, not JSON, or not an nbformat 4 notebook.
 */
export async function readNotebook(path: string, shown: string): Promise<Notebook> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new Error(`notebook ${shown} does not exist (the path is relative to the working directory)`);
  }
  return parseNotebook(text, shown);
}

/** {@link readNotebook} on text. */
export function parseNotebook(text: string, shown: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`notebook ${shown} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const nb = value as Partial<Notebook> | null;
  if (typeof nb !== "object" || nb === null || !Array.isArray(nb.cells) || typeof nb.nbformat !== "number" || nb.nbformat < 4)
    throw new Error(`notebook ${shown} is not an nbformat 4 notebook (no "cells" list); save it with Jupyter 4 or later`);
  for (const [i, cell] of nb.cells.entries())
    if (typeof cell !== "object" || cell === null || typeof cell.cell_type !== "string")
      throw new Error(`notebook ${shown}: cell ${i + 1} has no cell_type`);
  return { ...nb, metadata: nb.metadata ?? {}, nbformat_minor: nb.nbformat_minor ?? 0 } as Notebook;
}

/** The text of a multiline field. */
export function textOf(value: MultilineText | undefined): string {
  return Array.isArray(value) ? value.join("") : (value ?? "");
}

/** True when the cell carries `tag`. */
export function hasTag(cell: Cell, tag: string): boolean {
  return Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(tag);
}

/**
 * Names a parameters cell assigns at top level (`name = …` or `name: type = …`), in order.
 * Indented lines, comparisons and augmented assignments are not declarations.
 */
export function declaredNames(source: string): string[] {
  const names: string[] = [];
  for (const line of source.split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=)/.exec(line);
    if (match && !names.includes(match[1]!)) names.push(match[1]!);
  }
  return names;
}
