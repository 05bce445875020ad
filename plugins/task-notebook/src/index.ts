import { resolve } from "node:path";
import { definePlugin, type NodeDef, type PluginDeps, type TaskInvocation, type TaskType } from "@runnable-ts/sdk";
import { readExecuted } from "./executed-notebook";
import { executeNotebook, explainFailure, kernelEnvironment } from "./jupyter";
import { parseNotebook, readNotebook } from "./notebook-file";
import { prepareNotebook, type ParameterSource } from "./prepare-notebook";
import { isPythonName } from "./python-literal";

/** The kernel used when a notebook task names none. */
export const DEFAULT_KERNEL = "python3";

/** A failure of the user's notebook: its message says everything, a JavaScript stack would only add noise. */
class NotebookFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotebookFailure";
    this.stack = undefined;
  }
}

/** `work`'s result; what it throws becomes a {@link NotebookFailure} (message prefixed). */
async function asFailure<T>(work: () => T | Promise<T>, prefix = ""): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new NotebookFailure(`${prefix}${(error as Error).message}`);
  }
}

function kernelOf(node: NodeDef): string {
  return typeof node.kernel === "string" ? node.kernel : DEFAULT_KERNEL;
}

/** Definition-time problems of a notebook task (the file is read relative to `cwd`). */
export async function notebookProblems(node: NodeDef, cwd: string): Promise<string[]> {
  const problems: string[] = [];
  const command = node.command;
  if (typeof command !== "string" || !command.toLowerCase().endsWith(".ipynb")) problems.push(`a notebook task's command is the path of an .ipynb file (got ${JSON.stringify(typeof command === "string" ? command : typeof command)})`);
  else
    try {
      await readNotebook(resolve(cwd, command), command);
    } catch (error) {
      problems.push((error as Error).message);
    }
  if (node.kernel !== undefined && (typeof node.kernel !== "string" || !/^[\w.-]+$/.test(node.kernel)))
    problems.push(`kernel must be a Jupyter kernel name such as "python3" (got ${JSON.stringify(node.kernel)})`);
  for (const r of (node.returns as { name: string; kind: string }[] | undefined) ?? []) {
    if (r.kind === "object") problems.push(`return "${r.name}": a notebook returns json or metric values, not pickled objects`);
    else if (!isPythonName(r.name)) problems.push(`return "${r.name}" is not a Python variable name`);
  }
  return problems;
}

/** The run's parameters as the notebook's injected cell sees them. */
function parameterSource(invocation: TaskInvocation): ParameterSource {
  return {
    read: (name) => (name in invocation.params ? { found: true, value: invocation.params[name] } : { found: false }),
    all: () => {
      const out: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(invocation.parameters)) if (p.kind !== "object") out[name] = p.value;
      return { ...out, ...invocation.iterVars };
    },
  };
}

async function execute(invocation: TaskInvocation, deps: PluginDeps): Promise<Record<string, unknown>> {
  const shown = String(invocation.node.command);
  const kernel = kernelOf(invocation.node);
  const source = await asFailure(() => readNotebook(resolve(invocation.cwd, shown), shown));
  const returns = invocation.node.returns.map((r) => r.name);
  const prepared = await asFailure(() => prepareNotebook(source, parameterSource(invocation), returns));
  const outcome = await asFailure(
    () =>
      executeNotebook({
        notebook: JSON.stringify(prepared.notebook),
        kernel,
        cwd: invocation.cwd,
        env: kernelEnvironment(invocation.secrets, invocation.runId, invocation.attempt),
        signal: invocation.signal,
      }),
    `${shown}: `,
  );
  if (invocation.signal.aborted) throw new NotebookFailure(`${shown}: stopped (the kernel was killed)`);
  if (outcome.executed === undefined) throw new NotebookFailure(`${shown}: ${explainFailure(outcome.stderr, outcome.code, kernel)}`);
  const result = readExecuted(parseNotebook(outcome.executed, shown), prepared, shown, returns, Object.values(invocation.secrets));
  const stored = `${invocation.stepName}.attempt${invocation.attempt}.ipynb`;
  await deps.get("catalog").putBytes(invocation.runId, stored, Buffer.from(`${JSON.stringify(result.stored, null, 1)}\n`));
  invocation.log(`Executed notebook stored in the catalog as ${stored}`);
  for (const line of result.log) invocation.log(line);
  if (result.failure !== undefined) throw new NotebookFailure(result.failure);
  return result.returns;
}

/**
 * The `notebook` task type: runs the Jupyter notebook at `command` (relative to the working
 * directory) with `jupyter nbconvert --execute` and the kernel `kernel` (default `python3`).
 *
 * - Parameters: the names the cell tagged `parameters` assigns are injected, from the run's
 *   parameters and map variables, as Python literals in a new cell right after it (papermill's
 *   convention); without such a cell, every JSON / metric parameter is, at the top.
 * - Returns: each name in `returns` is read from the kernel's variables after the last cell
 *   (json or metric; a value JSON cannot hold fails the attempt, naming it).
 * - The executed notebook is stored in the catalog as `<step>.attempt<n>.ipynb`, secret values
 *   masked; the cells' text output is the execution log. A raising cell fails the attempt with
 *   its position in the notebook and the error's name and message; later cells do not run.
 * - Listed secrets are environment variables of the kernel only. Timeout and cancellation kill
 *   Jupyter and the kernel.
 */
export const notebookTask = definePlugin({
  kind: "task",
  name: "notebook",
  create: (_config, deps): TaskType => ({
    validate: (node) => notebookProblems(node, deps.env.cwd),
    execute: (invocation) => execute(invocation, deps),
  }),
});
