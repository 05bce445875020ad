import { cpSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as examples from "../src/index";
import { EXAMPLES_DIR, run, values, workdir } from "./support";

describe("12 notebook (real Jupyter)", () => {
  beforeAll(() => {
    if (spawnSync("jupyter", ["nbconvert", "--version"]).status !== 0)
      throw new Error("This example needs Jupyter: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel (or pip install nbconvert nbclient ipykernel)");
  });

  it("parameters go into the notebook, two values come out to the next function, the executed notebook is in the catalog", async () => {
    const { dir, config } = workdir("chunked-fs");
    cpSync(join(EXAMPLES_DIR, "notebooks"), join(dir, "notebooks"), { recursive: true });
    const { runLog, runId } = await run(examples.notebook.pipeline, dir, config);
    expect(runLog.status).toBe("SUCCESS");
    const attempt = runLog.steps.summarise?.attempts[0];
    expect(attempt?.input_parameters).toEqual({ amounts: { kind: "json", value: [120, 80, 200, 45] }, threshold: { kind: "json", value: 100 } });
    expect(attempt?.output_parameters).toEqual({ total: { kind: "metric", value: 445 }, large: { kind: "json", value: [120, 200] } });
    expect(attempt?.user_defined_metrics).toEqual({ total: 445 });
    expect(values(runLog).report).toBe("total 445; large sales: 120, 200");

    const catalog = join(dir, ".catalog", runId);
    const executed = JSON.parse(readFileSync(join(catalog, "summarise.attempt1.ipynb"), "utf8")) as { cells: { source: string; metadata: { tags?: string[] }; outputs?: { text?: string; data?: Record<string, string> }[] }[] };
    expect(executed.cells.map((c) => c.metadata.tags ?? [])).toEqual([[], ["parameters"], ["injected-parameters"], [], []]);
    expect(executed.cells[2]?.source).toBe("# Parameters\namounts = [120, 80, 200, 45]\nthreshold = 100");
    expect(executed.cells[3]?.outputs?.[0]?.text).toBe("2 of 4 sales above 100\n");
    expect(executed.cells[4]?.outputs?.[0]?.data?.["text/plain"]).toBe("445");
    expect(readFileSync(join(catalog, "summarise.attempt1.execution.log"), "utf8")).toContain("[cell 3]\n2 of 4 sales above 100\n[cell 4]\n445");
  }, 120_000);
});
