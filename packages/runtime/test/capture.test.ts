import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

describe("console capture in a host program (child process: the real console)", () => {
  it("keeps concurrent execute() runs' task output apart under local, and the host's own lines reach stdout", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-capture-")));
    writeFileSync(join(dir, "config.yaml"), "pipeline-executor: local\nrun-log-store: { type: buffered }\ncatalog: { type: file-system }\n");
    writeFileSync(
      join(dir, "main.js"),
      `
const { Pipeline, AsyncFunctionTask } = require(${JSON.stringify(join(ROOT, "packages", "sdk"))});
require(${JSON.stringify(join(ROOT, "packages", "runtime"))});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pipeline = (who) => new Pipeline({ steps: [new AsyncFunctionTask({ name: "talk", fn: async () => { for (let i = 0; i < 5; i++) { console.log(who + " says " + i); await sleep(4); } } })] });
let n = 0;
const host = setInterval(() => console.log("HOST " + n++), 3);
Promise.all(["a", "b", "c"].map((who) => pipeline(who).execute({ runId: "run-" + who, configurationFile: "config.yaml" }))).then((logs) => {
  clearInterval(host);
  console.log("HOST done " + logs.map((l) => l.status).join(","));
});
`,
    );
    const result = spawnSync(process.execPath, ["main.js"], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
    expect(result.stderr).toBe("");
    const stdout = result.stdout.split("\n").filter(Boolean);
    expect(stdout.pop()).toBe("HOST done SUCCESS,SUCCESS,SUCCESS");
    expect(stdout.length).toBeGreaterThan(0);
    expect(stdout.every((line) => /^HOST \d+$/.test(line))).toBe(true);
    expect(stdout).toEqual(stdout.map((_, i) => `HOST ${i}`));
    for (const who of ["a", "b", "c"]) {
      const log = readFileSync(join(dir, ".catalog", `run-${who}`, "talk.attempt1.execution.log"), "utf8").split("\n").slice(1);
      expect(log).toEqual([0, 1, 2, 3, 4].map((i) => `${who} says ${i}`));
    }
  });
});
