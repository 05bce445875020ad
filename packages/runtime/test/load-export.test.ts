import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DIST = join(__dirname, "..", "dist", "load-export.js");

describe("loading a .ts module", () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-load-ts-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reuses tsx's transform cache in the next process instead of transforming the file again", () => {
    writeFileSync(join(dir, "mod.ts"), "export const answer: number = 42;\n");
    const script = `require(${JSON.stringify(DIST)}).loadUserModule(${JSON.stringify(join(dir, "mod.ts"))}).then((ns) => console.log(ns.answer));`;
    // tsx keeps its transform cache in <temp>/tsx-<uid>: a private temp folder shows what it wrote.
    const temp = join(dir, "tmp");
    const once = (): string[] => {
      const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, TMPDIR: temp } });
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe("42");
      const [cache] = readdirSync(temp).filter((name) => name.startsWith("tsx-"));
      return readdirSync(join(temp, cache!)).map((name) => name.replace(/^\d+-/, ""));
    };
    mkdirSync(temp);
    const first = once();
    expect(first.length).toBeGreaterThan(0);
    // A second process finds the transform under the same key: nothing new is written.
    expect(once().sort()).toEqual(first.sort());
  });
});
