import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Catalog, FunctionTask, Pipeline } from "@runnable-ts/sdk";
import { clearCache, runPipeline, withRunLogStore } from "../src/index";
import { findStep, workdir } from "./support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["file-system", "chunked-fs"])("step cache under the %s store", (store) => {
  const setup = () => {
    const w = workdir(`run-log-store: { type: ${store} }\ncatalog: { type: file-system }\n`);
    let calls = 0;
    const go = (pipeline: Pipeline, runId: string, parameters: Record<string, unknown> = { x: 1, unrelated: "a" }) =>
      runPipeline(pipeline.toGraph(), { definition: { kind: "sdk", file: undefined }, cwd: w.dir, configurationFile: w.config, env: {}, runId, parameters });
    const double = new FunctionTask({
      name: "double",
      fn: (p: { x: number }) => {
        calls += 1;
        writeFileSync(join(w.dir, "out.txt"), `x=${p.x}`);
        return p.x * 2;
      },
      returns: ["y"],
      catalog: new Catalog({ put: ["out.txt"] }),
      cache: true,
    });
    const pipeline = new Pipeline({ steps: [double, new FunctionTask({ name: "after", fn: (p: { y: number }) => p.y + 1, returns: ["z"] })] });
    return { ...w, go, pipeline, calls: () => calls };
  };

  it("reuses the recorded returns and catalog outputs of an earlier run (cached: true, with the source run id); an unread parameter does not matter", async () => {
    const { dir, go, pipeline, calls } = setup();
    const first = await go(pipeline, "c1");
    expect(first.status).toBe("SUCCESS");
    expect(findStep(first.runLog, "double")!.attempts[0]!.cached).toBeUndefined();
    rmSync(join(dir, "out.txt"));
    const second = await go(pipeline, "c2", { x: 1, unrelated: "b" });
    expect(second.status).toBe("SUCCESS");
    expect(calls()).toBe(1);
    const attempt = findStep(second.runLog, "double")!.attempts[0]!;
    expect(attempt).toMatchObject({ status: "SUCCESS", cached: true, cached_from: "c1", input_parameters: { x: { kind: "json", value: 1 } } });
    expect(second.runLog.parameters.z?.value).toBe(3);
    // The catalog output is back in the working directory and stored with this run.
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("x=1");
    expect(findStep(second.runLog, "double")!.data_catalog).toEqual([expect.objectContaining({ name: "out.txt", stage: "put" })]);
    expect(existsSync(join(dir, ".catalog", "c2", "out.txt"))).toBe(true);
  });

  it("runs the task again when the source run's catalog files are gone", async () => {
    const { dir, go, pipeline, calls } = setup();
    await go(pipeline, "c1");
    rmSync(join(dir, ".catalog", "c1"), { recursive: true, force: true });
    const second = await go(pipeline, "c2");
    expect(second.status).toBe("SUCCESS");
    expect(calls()).toBe(2);
    expect(findStep(second.runLog, "double")!.attempts[0]!.cached).toBeUndefined();
  });

  it("runs the task again when an input it reads changed, and after runnable cache clear", async () => {
    const { dir, config, go, pipeline, calls } = setup();
    await go(pipeline, "c1");
    const changed = await go(pipeline, "c2", { x: 5 });
    expect(calls()).toBe(2);
    expect(changed.runLog.parameters.y?.value).toBe(10);
    expect(findStep(changed.runLog, "double")!.attempts[0]!.cached).toBeUndefined();
    // Both results are kept: x=1 hits again.
    await go(pipeline, "c3", { x: 1 });
    expect(calls()).toBe(2);
    expect(await withRunLogStore({ cwd: dir, configurationFile: config }, (s) => clearCache(s))).toBe(1);
    await go(pipeline, "c4", { x: 1 });
    expect(calls()).toBe(3);
  });

  it("misses once the entry is older than ttlMs", async () => {
    const { go, calls } = setup();
    let runs = 0;
    const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "t", fn: () => ((runs += 1), runs), returns: ["n"], cache: { ttlMs: 300 } })] });
    await go(pipeline, "t1");
    await go(pipeline, "t2");
    expect(runs).toBe(1);
    await sleep(450);
    const late = await go(pipeline, "t3");
    expect(runs).toBe(2);
    expect(late.runLog.parameters.n?.value).toBe(2);
    expect(calls()).toBe(0);
  });

  it("misses when the code identity (git commit) changed", async () => {
    const { dir, go } = setup();
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir, stdio: "pipe" });
    git("init", "-q");
    git("commit", "-q", "--allow-empty", "-m", "one");
    let runs = 0;
    const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "t", fn: () => ((runs += 1), runs), returns: ["n"], cache: true })] });
    await go(pipeline, "g1");
    await go(pipeline, "g2");
    expect(runs).toBe(1);
    git("commit", "-q", "--allow-empty", "-m", "two");
    await sleep(2100); // the git identity of a folder is reused for 2 s
    await go(pipeline, "g3");
    expect(runs).toBe(2);
  });

  it("with a key function, the key decides; a key function that throws fails the attempt with E_CACHE_KEY_FAILED and records nothing", async () => {
    const { go } = setup();
    let runs = 0;
    const keyed = (key: (p: Record<string, unknown>) => string) =>
      new Pipeline({ steps: [new FunctionTask({ name: "t", fn: (p: { x: number }) => ((runs += 1), p.x), returns: ["n"], cache: { key } })] });
    const byParity = keyed((p) => String(Number(p.x) % 2));
    await go(byParity, "k1", { x: 1 });
    const hit = await go(byParity, "k2", { x: 3 });
    expect(runs).toBe(1);
    expect(hit.runLog.parameters.n?.value).toBe(1);
    const broken = await go(
      keyed(() => {
        throw new Error("no key today");
      }),
      "k3",
    );
    expect(broken.status).toBe("FAIL");
    expect(findStep(broken.runLog, "t")!.message).toMatch(/E_CACHE_KEY_FAILED|cache key function of step t threw: no key today/);
    expect(runs).toBe(1);
  });
});
