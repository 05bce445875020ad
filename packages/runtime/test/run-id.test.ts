import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTask, Pipeline } from "@runnable-ts/sdk";
import { executeSingleNode, fanStep, runJob } from "../src/index";
import { MAX_RUN_ID_LENGTH, resolveRunId, validateRunId } from "../src/run-id";
import { run, workdir } from "./support";

/** A working directory two levels below a fresh temp folder, so that "../../escape" would land in that folder. */
function nestedWorkdir(): { root: string; dir: string; config: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "runnable-run-id-")));
  const dir = join(root, "a", "b");
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "config.yaml");
  writeFileSync(config, "run-log-store: { type: chunked-fs }\n");
  return { root, dir, config };
}

const pipeline = (): Pipeline => new Pipeline({ steps: [new FunctionTask({ name: "one", fn: () => 1, returns: ["a"] })] });

describe("run ids are checked at the boundary", () => {
  it.each([
    ["../../escape", /characters that are not allowed/],
    ["a/b", /characters that are not allowed/],
    ["", /is empty/],
    [".hidden", /characters that are not allowed/],
    ["x".repeat(MAX_RUN_ID_LENGTH + 1), /at most 128/],
    ["white space", /characters that are not allowed/],
  ])("refuses %j with E_RUN_ID_INVALID", (id, message) => {
    expect(() => validateRunId(id)).toThrow(expect.objectContaining({ code: "E_RUN_ID_INVALID", message: expect.stringMatching(message) }));
  });

  it("accepts letters, digits, _, - and . up to the limit", () => {
    for (const id of ["a", "run-1", "My_Run.2024-01", "9".repeat(MAX_RUN_ID_LENGTH)]) expect(validateRunId(id)).toBe(id);
  });

  it("takes RUNNABLE_RUN_ID when no id is given, treats an empty one as unset, and checks it", () => {
    expect(resolveRunId(undefined, { RUNNABLE_RUN_ID: "from-env" })).toBe("from-env");
    expect(resolveRunId(undefined, { RUNNABLE_RUN_ID: "" })).toMatch(/^[a-z]+-[a-z]+-\d{6}-[0-9a-f]{8}$/);
    expect(() => resolveRunId(undefined, { RUNNABLE_RUN_ID: "../up" })).toThrow(expect.objectContaining({ code: "E_RUN_ID_INVALID", message: expect.stringMatching(/^RUNNABLE_RUN_ID /) }));
    expect(() => resolveRunId("", { RUNNABLE_RUN_ID: "ok" })).toThrow(expect.objectContaining({ code: "E_RUN_ID_INVALID" }));
  });

  it("refuses a bad id in execute({ runId }), RUNNABLE_RUN_ID, a retry, one step, a fan and a job before writing anything", async () => {
    const w = nestedWorkdir();
    const graph = pipeline().toGraph();
    const common = { cwd: w.dir, configurationFile: w.config, env: {} };
    const invalid = expect.objectContaining({ code: "E_RUN_ID_INVALID" });
    const target = { dir: w.dir, config: w.config };
    await expect(run(pipeline(), { ...target, runId: "../../escape" })).rejects.toEqual(invalid);
    await expect(run(pipeline(), { ...target, env: { RUNNABLE_RUN_ID: "../../escape" } })).rejects.toEqual(invalid);
    await expect(run(pipeline(), { ...target, env: { RUNNABLE_RETRY_RUN_ID: "../x" } })).rejects.toEqual(invalid);
    await expect(executeSingleNode(graph, { ...common, runId: "../x", step: "one" })).rejects.toEqual(invalid);
    await expect(fanStep(graph, { ...common, runId: "../x", step: "one", mode: "out" })).rejects.toEqual(invalid);
    await expect(runJob(graph.steps.one!, { ...common, runId: "a/b", definition: { kind: "sdk", file: undefined } })).rejects.toEqual(invalid);
    // Nothing was written: no store folder, nothing next to the working directory.
    expect(existsSync(join(w.dir, ".run_log_store"))).toBe(false);
    expect(readdirSync(w.root)).toEqual(["a"]);
    expect(readdirSync(join(w.root, "a"))).toEqual(["b"]);
  });

  it("refuses a bad id through the SDK's Pipeline.execute()", async () => {
    await expect(pipeline().execute({ runId: "../../escape", configurationFile: workdir().config })).rejects.toEqual(expect.objectContaining({ code: "E_RUN_ID_INVALID" }));
  });
});
