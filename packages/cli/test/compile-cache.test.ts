import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const CACHE_MODULE = resolve(__dirname, "..", "dist", "compile-cache.js");

describe("compile cache", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "runnable-compile-cache-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A process that enables the cache in `dir/cache`, then requires `dir/lib.js`; its stdout. */
  const run = (): { out: string; cached: string[] } => {
    const entry = join(dir, "entry.js");
    writeFileSync(
      entry,
      `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(join(dir, "cache"))} });\n` +
        `const lib = require("./lib.js");\nconsole.log(lib.value(), typeof require("node:path").join, require.resolve("./lib.js") === __dirname + "/lib.js");\n`,
    );
    const r = spawnSync(process.execPath, [entry], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    let cached: string[];
    try {
      cached = readdirSync(join(dir, "cache"));
    } catch {
      cached = [];
    }
    return { out: r.stdout.trim(), cached };
  };

  it("reuses compiled code in the next process and never serves code of an edited file", () => {
    writeFileSync(join(dir, "lib.js"), "#!/usr/bin/env node\nexports.value = () => 'first';\n");
    expect(run()).toEqual({ out: "first function true", cached: [expect.stringMatching(/\.bin$/)] });
    // Second process: from the cache; same behaviour.
    expect(run().out).toBe("first function true");
    // Same length, different code: a cache keyed by length alone would run 'first'.
    writeFileSync(join(dir, "lib.js"), "#!/usr/bin/env node\nexports.value = () => 'other';\n");
    expect(run().out).toBe("other function true");
  });

  it("drops the entries of deleted files when it rewrites the cache", () => {
    writeFileSync(join(dir, "lib.js"), "exports.value = () => require('./gone.js');\n");
    writeFileSync(join(dir, "gone.js"), "module.exports = 'g';\n");
    run();
    const [file] = readdirSync(join(dir, "cache"));
    const indexOf = (): string => { const b = readFileSync(join(dir, "cache", file!)); return b.toString("utf8", 4, 4 + b.readUInt32LE(0)); };
    expect(indexOf()).toContain("gone.js");
    rmSync(join(dir, "gone.js"));
    writeFileSync(join(dir, "lib.js"), "exports.value = () => 'h';\n");
    expect(run().out).toBe("h function true");
    expect(indexOf()).not.toContain("gone.js");
    expect(indexOf()).toContain("lib.js");
  });

  it("keeps working over a corrupt cache file, and is off with RUNNABLE_COMPILE_CACHE=off", () => {
    writeFileSync(join(dir, "lib.js"), "exports.value = () => 'ok';\n");
    run();
    const [file] = readdirSync(join(dir, "cache"));
    writeFileSync(join(dir, "cache", file!), "not a cache");
    expect(run().out).toBe("ok function true");
    const off = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: "off" }); console.log(require("node:module").prototype._compile.name)`], { encoding: "utf8" });
    expect(off.stdout.trim()).not.toBe("compile");
  });

  it("leaves modules that call import() to Node's own compile, so dynamic import keeps working", () => {
    writeFileSync(join(dir, "lib.js"), "exports.value = () => 'x';\n");
    writeFileSync(join(dir, "dyn.js"), "exports.load = () => import('./esm.mjs').then((m) => m.v);\n");
    writeFileSync(join(dir, "esm.mjs"), "export const v = 'esm';\n");
    const entry = join(dir, "dyn-entry.js");
    writeFileSync(entry, `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(join(dir, "cache"))} });\nrequire("./dyn.js").load().then(console.log);\n`);
    for (let i = 0; i < 2; i++) expect(spawnSync(process.execPath, [entry], { encoding: "utf8" }).stdout.trim()).toBe("esm");
  });
});
