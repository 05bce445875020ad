import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTask, MapStep, NotebookTask, Pipeline, ShellTask, type GraphDef, type RunLog, type StepLog } from "@runnable-ts/sdk";
import { loadYamlPipeline, runPipeline, type RunResult } from "@runnable-ts/runtime";

// Real Jupyter (jupyter nbconvert + nbclient + ipykernel); each notebook execution costs ~6 s, so
// one execution serves several assertions where it can.

function requireJupyter(): void {
  const probe = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" });
  if (probe.status !== 0)
    throw new Error("These tests need Jupyter: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel (or pip install nbconvert nbclient ipykernel)");
}

interface CellSpec {
  source: string;
  tags?: string[];
  markdown?: boolean;
}

function writeNotebook(dir: string, name: string, cells: CellSpec[]): void {
  const nb = {
    cells: cells.map((c, i) =>
      c.markdown
        ? { cell_type: "markdown", id: `c${i}`, metadata: {}, source: c.source }
        : { cell_type: "code", id: `c${i}`, metadata: c.tags ? { tags: c.tags } : {}, source: c.source, outputs: [], execution_count: null },
    ),
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(join(dir, name), JSON.stringify(nb, null, 1));
}

function workdir(config = "run-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n"): { dir: string; config: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-notebook-test-")));
  writeFileSync(join(dir, "config.yaml"), config);
  return { dir, config: join(dir, "config.yaml") };
}

function run(graph: GraphDef, w: { dir: string; config: string }, extra: { signal?: AbortSignal; yamlFile?: string } = {}): Promise<RunResult> {
  return runPipeline(graph, {
    definition: extra.yamlFile ? { kind: "yaml", file: extra.yamlFile } : { kind: "sdk", file: undefined },
    cwd: w.dir,
    configurationFile: w.config,
    env: {},
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
}

function findStep(log: RunLog, name: string): StepLog {
  const visit = (steps: Record<string, StepLog>): StepLog | undefined => {
    for (const s of Object.values(steps)) {
      if (s.internal_name === name) return s;
      for (const b of Object.values(s.branches)) {
        const found = visit(b.steps);
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = visit(log.steps);
  if (!found) throw new Error(`no step ${name}`);
  return found;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

interface StoredCell {
  source: string;
  metadata: { tags?: string[] };
  outputs?: { output_type: string; text?: string; ename?: string; evalue?: string }[];
}
const storedNotebook = (dir: string, runId: string, name: string): { cells: StoredCell[] } => JSON.parse(readFileSync(join(dir, ".catalog", runId, name), "utf8")) as { cells: StoredCell[] };
const outputText = (cell: StoredCell | undefined): string => (cell?.outputs ?? []).map((o) => o.text ?? `${o.ename}: ${o.evalue}`).join("");

/** True while the process runs (a killed process whose parent is gone may stay a zombie until PID 1 reaps it). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return !existsSync("/proc/self"); // no /proc (not Linux): kill(pid, 0) is all there is
  }
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
};

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("notebook task type (real Jupyter)", () => {
  beforeAll(requireJupyter);

  describe("a notebook whose cell raises, with a secret", () => {
    const secret = "nb-s3cr3t-value-0123456789";
    let w: { dir: string; config: string };
    let result: RunResult;
    beforeAll(async () => {
      w = workdir("run-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\nsecrets: { type: dotenv, config: { location: .env } }\n");
      writeFileSync(join(w.dir, ".env"), `api_key=${secret}\n`);
      writeNotebook(w.dir, "failing.ipynb", [
        { source: 'import os\nkey = os.environ["api_key"]\nprint("key length", len(key), "other", os.environ.get("NOTEBOOK_TEST_OTHER"))\nprint("the key is", key)' },
        { source: "Now it fails", markdown: true },
        { source: 'raise ValueError("rejected key " + key)' },
        { source: 'open("after.txt", "w").write("ran")' },
      ]);
      process.env.NOTEBOOK_TEST_OTHER = "not for notebooks";
      try {
        result = await run(
          new Pipeline({
            steps: [
              new NotebookTask({
                name: "nb",
                notebook: "failing.ipynb",
                secrets: ["api_key"],
                onFailure: new Pipeline({ steps: [new ShellTask({ name: "recover", command: "export recovered=true", returns: ["recovered"] })] }),
              }),
              new ShellTask({ name: "never", command: "echo no" }),
            ],
          }).toGraph(),
          w,
        );
      } finally {
        delete process.env.NOTEBOOK_TEST_OTHER;
      }
    }, 120_000);

    it("fails the step with the cell's position in the notebook and the error's name and message (secret masked)", () => {
      expect(findStep(result.runLog, "nb")).toMatchObject({ status: "FAIL", message: 'failing.ipynb: cell 3 (raise ValueError("rejected key " + key)) raised ValueError: rejected key ***' });
    });

    it("follows on_failure and skips the next step", () => {
      expect(findStep(result.runLog, "recover").status).toBe("SUCCESS");
      expect(result.runLog.steps.never).toBeUndefined();
      expect(result.runLog.parameters.recovered?.value).toBe(true);
    });

    it("runs no cell after the raising one, and stores the notebook executed so far", () => {
      expect(existsSync(join(w.dir, "after.txt"))).toBe(false);
      const cells = storedNotebook(w.dir, result.runId, "nb.attempt1.ipynb").cells;
      expect(cells.map((c) => c.metadata.tags?.[0] ?? c.source.slice(0, 10))).toEqual(["injected-parameters", "import os\n", "Now it fai", "raise Valu", "open(\"afte"]);
      expect(outputText(cells[3])).toBe("ValueError: rejected key ***");
      expect(cells[4]?.outputs).toEqual([]);
      const log = readFileSync(join(w.dir, ".catalog", result.runId, "nb.attempt1.execution.log"), "utf8");
      expect(log).toContain("[cell 1]\nkey length 26 other None\nthe key is ***");
      expect(log).toContain("[cell 3]");
    });

    it("gives the listed secret to the kernel's environment only: no stored file holds it, other variables are not passed", () => {
      expect(outputText(storedNotebook(w.dir, result.runId, "nb.attempt1.ipynb").cells[1])).toBe(`key length ${secret.length} other None\nthe key is ***\n`);
      expect(JSON.stringify(result.runLog)).not.toContain(secret);
      const files = walk(w.dir).filter((f) => !f.endsWith(".env"));
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) expect(readFileSync(file, "utf8")).not.toContain(secret);
    });
  });

  it("runs a notebook per map iteration concurrently: one executed notebook each, with its own injected value", async () => {
    const w = workdir("pipeline-executor: { type: async-local }\nrun-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n");
    writeNotebook(w.dir, "square.ipynb", [{ source: "chunk = 0", tags: ["parameters"] }, { source: 'squared = chunk * chunk\nprint("chunk", chunk)' }]);
    const { runLog, runId } = await run(
      new Pipeline({
        steps: [
          new FunctionTask({ name: "load", fn: () => [2, 3], returns: ["chunks"] }),
          new MapStep({ name: "per_chunk", iterateOn: "chunks", iterateAs: "chunk", branch: new Pipeline({ steps: [new NotebookTask({ name: "square", notebook: "square.ipynb", returns: ["squared"] })] }) }),
          new FunctionTask({ name: "sum", fn: ({ squared }: { squared: number[] }) => squared.reduce((a, b) => a + b, 0), returns: ["total"] }),
        ],
      }).toGraph(),
      w,
    );
    expect(runLog.status).toBe("SUCCESS");
    expect(runLog.parameters.squared?.value).toEqual([4, 9]);
    expect(runLog.parameters.total?.value).toBe(13);
    for (const chunk of [2, 3]) {
      const cells = storedNotebook(w.dir, runId, `per_chunk.${chunk}.square.attempt1.ipynb`).cells;
      expect(cells[1]).toMatchObject({ source: `# Parameters\nchunk = ${chunk}`, metadata: { tags: ["injected-parameters"] } });
      expect(outputText(cells[2])).toBe(`chunk ${chunk}\n`);
      expect(findStep(runLog, `per_chunk.${chunk}.square`).attempts[0]?.input_parameters).toEqual({ chunk: { kind: "json", value: chunk } });
    }
  }, 120_000);

  it("cancelling the run kills the kernel", async () => {
    const w = workdir();
    writeNotebook(w.dir, "sleep.ipynb", [{ source: 'import os, time\nopen("kernel.pid", "w").write(str(os.getpid()))\ntime.sleep(300)' }]);
    const controller = new AbortController();
    const running = run(new Pipeline({ steps: [new NotebookTask({ name: "sleepy", notebook: "sleep.ipynb" })] }).toGraph(), w, { signal: controller.signal });
    const pidFile = join(w.dir, "kernel.pid");
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "", 60_000, "the kernel to start");
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    controller.abort();
    const { runLog } = await running;
    expect(runLog.status).toBe("FAIL");
    expect(findStep(runLog, "sleepy").message).toMatch(/cancelled/);
    await until(() => !alive(pid), 5_000, "the kernel to exit");
  }, 120_000);

  it("names the kernel a YAML task asks for when Jupyter does not have it", async () => {
    const w = workdir();
    writeNotebook(w.dir, "any.ipynb", [{ source: "x = 1" }]);
    const file = join(w.dir, "pipeline.yaml");
    writeFileSync(file, "dag:\n  start_at: nb\n  steps:\n    nb:\n      type: task\n      command_type: notebook\n      command: any.ipynb\n      kernel: no_such_kernel\n      timeout_ms: 60000\n      next: success\n");
    const { runLog } = await run(loadYamlPipeline(file), w, { yamlFile: file });
    expect(runLog.status).toBe("FAIL");
    expect(findStep(runLog, "nb").message).toMatch(/^any\.ipynb: Jupyter has no kernel named "no_such_kernel" \(see jupyter kernelspec list/);
  }, 60_000);
});

describe("notebook task type: errors before or instead of Jupyter", () => {
  it("a missing notebook file is a definition error before anything runs (SDK and YAML)", async () => {
    const w = workdir();
    const sdk = new Pipeline({ steps: [new FunctionTask({ name: "first", fn: () => 1 }), new NotebookTask({ name: "nb", notebook: "missing.ipynb" })] });
    await expect(run(sdk.toGraph(), w)).rejects.toMatchObject({ code: "E_GRAPH_INVALID", message: expect.stringContaining('step "nb": notebook missing.ipynb does not exist') });
    const file = join(w.dir, "pipeline.yaml");
    writeFileSync(file, "dag:\n  start_at: nb\n  steps:\n    nb:\n      type: task\n      command_type: notebook\n      command: nested/missing.ipynb\n      next: success\n");
    await expect(run(loadYamlPipeline(file), w, { yamlFile: file })).rejects.toMatchObject({ code: "E_GRAPH_INVALID", message: expect.stringContaining("notebook nested/missing.ipynb does not exist") });
    expect(existsSync(join(w.dir, ".run_log_store"))).toBe(false);
  });

  it("a notebook that is not JSON and a pickled return are definition errors", async () => {
    const w = workdir();
    writeFileSync(join(w.dir, "broken.ipynb"), "{ not json");
    writeNotebook(w.dir, "ok.ipynb", [{ source: "x = 1" }]);
    const pipeline = new Pipeline({
      steps: [new NotebookTask({ name: "broken", notebook: "broken.ipynb" }), new NotebookTask({ name: "pickles", notebook: "ok.ipynb", returns: [{ name: "x", kind: "object" }] })],
    });
    const error = (await run(pipeline.toGraph(), w).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe("E_GRAPH_INVALID");
    expect(error.message).toContain('step "broken": notebook broken.ipynb is not valid JSON');
    expect(error.message).toContain('step "pickles": return "x": a notebook returns json or metric values, not pickled objects');
  });

  it("a parameter the notebook declares whose value has no Python literal fails the step naming it, before Jupyter starts", async () => {
    const w = workdir();
    writeNotebook(w.dir, "when.ipynb", [{ source: "when = None", tags: ["parameters"] }]);
    const { runLog } = await run(
      new Pipeline({ steps: [new FunctionTask({ name: "date", fn: () => new Date(0), returns: [{ name: "when", kind: "object" }] }), new NotebookTask({ name: "nb", notebook: "when.ipynb" })] }).toGraph(),
      w,
    );
    expect(runLog.status).toBe("FAIL");
    expect(findStep(runLog, "nb").message).toBe('parameter "when" cannot be passed to the notebook: a Date instance is not JSON (notebook parameters must be JSON values)');
    expect(existsSync(join(w.dir, ".catalog", runLog.run_id, "nb.attempt1.ipynb"))).toBe(false);
  });

  it("without Jupyter on PATH the step fails saying what to install, and the run ends FAIL", async () => {
    const w = workdir();
    writeNotebook(w.dir, "ok.ipynb", [{ source: "x = 1" }]);
    const path = process.env.PATH;
    process.env.PATH = join(w.dir, "no-bin");
    let result: RunResult;
    try {
      result = await run(new Pipeline({ steps: [new NotebookTask({ name: "nb", notebook: "ok.ipynb" })] }).toGraph(), w);
    } finally {
      process.env.PATH = path;
    }
    expect(result.runLog.status).toBe("FAIL");
    expect(findStep(result.runLog, "nb").message).toBe(
      'ok.ipynb: Jupyter is not installed: no "jupyter" command on PATH; install Jupyter\'s notebook runner: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel (Debian/Ubuntu), or pip install nbconvert nbclient ipykernel',
    );
  });
});
