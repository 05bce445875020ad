import { FunctionTask, metric, NotebookTask, Pipeline } from "@runnable-ts/sdk";

/** The sales to summarise and the threshold above which a sale is large. */
export const loadSales = (): [number[], number] => [[120, 80, 200, 45], 100];

/** A line about the notebook's results. */
export const report = ({ total, large }: { total: number; large: number[] }): string => `total ${total}; large sales: ${large.join(", ")}`;

/**
 * Notebook: a Jupyter notebook as a step (needs Jupyter: jupyter nbconvert, nbclient, ipykernel).
 * `amounts` and `threshold` are injected after the notebook's `parameters` cell; `total` (a
 * metric) and `large` are read from its variables and used by the next function. The executed
 * notebook is stored in the catalog as `summarise.attempt1.ipynb`. The path is relative to the
 * working directory: run it from packages/examples (`npx runnable execute src/12-notebook.ts`).
 */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "load_sales", fn: loadSales, returns: ["amounts", "threshold"] }),
    new NotebookTask({ name: "summarise", notebook: "notebooks/summarise.ipynb", returns: [metric("total"), "large"] }),
    new FunctionTask({ name: "report", fn: report, returns: ["report"] }),
  ],
});
