import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isRunnableError } from "@runnable-ts/sdk";
import { loadDefinition, runPipeline } from "../src/index";
import { findStep, workdir } from "./support";

const TASKS = `
const fs = require("node:fs");
const count = (name) => fs.appendFileSync(require("node:path").join(__dirname, "count-" + name), "x");
exports.step = (name) => () => { count(name); return name; };
exports.a = () => { count("a"); return 1; };
exports.b = () => { count("b"); return 2; };
exports.c = () => { count("c"); return 3; };
exports.items = () => { count("items"); return ["x", "y", "z"]; };
exports.first = (p) => { count("first-" + p.item); return p.item; };
exports.second = (p) => { count("second-" + p.item); return p.item + "!"; };
`;
const task = (name: string, fn: string, returns: string[], next: string, indent = "    ") =>
  `${indent}${name}: { type: task, command_type: function, command: tasks.js#${fn}, returns: [${returns.join(", ")}], next: ${next} }\n`;
const CHAIN = `dag:\n  start_at: a\n  steps:\n${task("a", "a", ["va"], "b")}${task("b", "b", ["vb"], "c")}${task("c", "c", ["vc"], "success")}`;
const MAP = `dag:
  start_at: load
  steps:
${task("load", "items", ["items"], "each")}    each:
      type: map
      iterate_on: items
      iterate_as: item
      next: end
      branch:
        start_at: first
        steps:
${task("first", "first", ["f"], "second", "          ")}${task("second", "second", ["s"], "success", "          ")}${task("end", "c", ["vc"], "success")}`;

const counted = (dir: string, name: string): number => (existsSync(join(dir, `count-${name}`)) ? readFileSync(join(dir, `count-${name}`), "utf8").length : 0);

describe.each(["local", "async-local", "emulator"])("retry --from with the %s executor", (executor) => {
  const setup = async (yaml: string) => {
    const w = workdir(`pipeline-executor: { type: ${executor} }\nrun-log-store: { type: chunked-fs }\ncatalog: { type: file-system }\n`);
    writeFileSync(join(w.dir, "tasks.js"), TASKS);
    writeFileSync(join(w.dir, "pipeline.yaml"), yaml);
    const definition = await loadDefinition(join(w.dir, "pipeline.yaml"), w.dir);
    const go = (from?: string) =>
      runPipeline(definition.graph, { definition: definition.source, cwd: w.dir, configurationFile: w.config, env: {}, runId: "r1", ...(from !== undefined ? { retryRunId: "r1", retryFrom: from } : {}) });
    return { ...w, go };
  };

  it("re-runs the named step of a succeeded chain and everything after it; the steps before are skipped", async () => {
    const { dir, go } = await setup(CHAIN);
    expect((await go()).status).toBe("SUCCESS");
    const again = await go("b");
    expect(again.status).toBe("SUCCESS");
    expect([counted(dir, "a"), counted(dir, "b"), counted(dir, "c")]).toEqual([1, 2, 2]);
    expect(findStep(again.runLog, "b")!.attempts).toHaveLength(2);
    expect(findStep(again.runLog, "a")!.attempts).toHaveLength(1);
    expect(again.runLog.run_config.retry_from).toBe("b");
  });

  it("inside a map branch: re-runs the rest of that iteration, then the map's merge and what follows; other iterations are skipped", async () => {
    const { dir, go } = await setup(MAP);
    expect((await go()).status).toBe("SUCCESS");
    const again = await go("each.y.first");
    expect(again.status).toBe("SUCCESS");
    expect(["x", "y", "z"].map((i) => [counted(dir, `first-${i}`), counted(dir, `second-${i}`)])).toEqual([[1, 1], [2, 2], [1, 1]]);
    expect([counted(dir, "items"), counted(dir, "c")]).toEqual([1, 2]);
    expect(again.runLog.parameters.s?.value).toEqual(["x!", "y!", "z!"]);
  });

  it("refuses a --from naming no step before changing the run log", async () => {
    const { go } = await setup(MAP);
    const first = await go();
    for (const from of ["nope", "each.y.nope", "load.x"]) {
      const error = await go(from).catch((e: unknown) => e);
      expect(isRunnableError(error) && error.code).toBe("E_RETRY_FROM_INVALID");
    }
    const after = await go("end");
    // Only the valid retry counted as one.
    expect(after.runLog.run_config.retries).toBe(1);
    expect(findStep(after.runLog, "load")!.attempts).toEqual(findStep(first.runLog, "load")!.attempts);
  });
});
