import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const CACHE_MODULE = resolve(__dirname, "..", "dist", "compile-cache.js");
const START_UP = resolve(__dirname, "..", "dist", "start-up.js");

describe("compile cache", () => {
  let dir: string;
  /** Where the modules live: installed packages are what the cache keeps. */
  let lib: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "runnable-compile-cache-"));
    lib = join(dir, "node_modules");
    mkdirSync(lib);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A process that enables the cache in `dir/cache`, then requires `node_modules/lib.js`; its stdout. */
  const run = (args: string[] = []): { out: string; cached: string[] } => {
    writeFileSync(join(lib, "entry.js"), `const lib = require("./lib.js");\nconsole.log(lib.value(), typeof require("node:path").join, require.resolve("./lib.js") === __dirname + "/lib.js");\n`);
    const entry = join(dir, "entry.js");
    writeFileSync(entry, `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(join(dir, "cache"))} });\nrequire("./node_modules/entry.js");\n`);
    const r = spawnSync(process.execPath, [...args, entry], { encoding: "utf8" });
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
    writeFileSync(join(lib, "lib.js"), "#!/usr/bin/env node\nexports.value = () => 'first';\n");
    expect(run()).toEqual({ out: "first function true", cached: [expect.stringMatching(/\.bin$/)] });
    // Second process: from the cache; same behaviour.
    expect(run().out).toBe("first function true");
    // Same length, different code: a cache keyed by length alone would run 'first'.
    writeFileSync(join(lib, "lib.js"), "#!/usr/bin/env node\nexports.value = () => 'other';\n");
    expect(run().out).toBe("other function true");
  });

  it("drops the entries of deleted files when it rewrites the cache", () => {
    writeFileSync(join(lib, "lib.js"), "exports.value = () => require('./gone.js');\n");
    writeFileSync(join(lib, "gone.js"), "module.exports = 'g';\n");
    run();
    const [file] = readdirSync(join(dir, "cache"));
    const indexOf = (): string => { const b = readFileSync(join(dir, "cache", file!)); return b.toString("utf8", 4, 4 + b.readUInt32LE(0)); };
    expect(indexOf()).toContain("gone.js");
    rmSync(join(lib, "gone.js"));
    writeFileSync(join(lib, "lib.js"), "exports.value = () => 'h';\n");
    expect(run().out).toBe("h function true");
    expect(indexOf()).not.toContain("gone.js");
    expect(indexOf()).toContain("lib.js");
  });

  it("leaves the user's own modules, and everything while source maps are enabled, to Node's own compile", () => {
    writeFileSync(join(lib, "lib.js"), "exports.value = () => 'mine';\n");
    // With source maps on, nothing is cached (Node maps traces only of code it compiled).
    expect(run(["--enable-source-maps"])).toEqual({ out: "mine function true", cached: [] });
    run();
    const [file] = readdirSync(join(dir, "cache"));
    const index = ((b: Buffer): string => b.toString("utf8", 4, 4 + b.readUInt32LE(0)))(readFileSync(join(dir, "cache", file!)));
    expect(index).toContain(join(lib, "lib.js"));
    // entry.js outside node_modules is the user's: compiled by Node.
    expect(index).not.toContain(JSON.stringify(join(dir, "entry.js")));
  });

  it("caches the repository's own plugins, loaded by their real path beside the packages", () => {
    const plugin = resolve(__dirname, "..", "..", "..", "plugins", "catalog-do-nothing", "dist", "index.js");
    const cache = join(dir, "cache");
    const script = `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(cache)} }); require(${JSON.stringify(plugin)});`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const [file] = readdirSync(cache);
    const index = ((b: Buffer): string => b.toString("utf8", 4, 4 + b.readUInt32LE(0)))(readFileSync(join(cache, file!)));
    expect(index).toContain(JSON.stringify(plugin));
  });

  it("is installed by loading the SDK, once per process, before zod loads (zod's modules are cached)", () => {
    const cache = join(dir, "cache");
    const script = `require("@runnable-ts/sdk"); const n = process.listenerCount("exit"); require(${JSON.stringify(START_UP)}).fastStart(); console.log(require("node:module").prototype._compile.name, n, process.listenerCount("exit"));`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: resolve(__dirname, ".."), encoding: "utf8", env: { ...process.env, RUNNABLE_COMPILE_CACHE: cache } });
    expect(r.stderr).toBe("");
    // Installed by the SDK's load; a second call adds nothing (no second hook or exit listener).
    const [name, before, after] = r.stdout.trim().split(" ");
    expect(name).toBe("compile");
    expect(Number(before)).toBeGreaterThan(0);
    expect(after).toBe(before);
    const [file] = readdirSync(cache);
    const index = ((b: Buffer): string => b.toString("utf8", 4, 4 + b.readUInt32LE(0)))(readFileSync(join(cache, file!)));
    expect(index).toMatch(/zod[\\/]v4[\\/]classic[\\/]external\.cjs/);
    expect(index).toMatch(/sdk[\\/]dist[\\/]run-log\.js/);
  });

  it("keeps a file per kind of process when the host names its kind before the SDK loads", () => {
    writeFileSync(join(lib, "lib.js"), "exports.value = () => 'kind';\n");
    const cache = join(dir, "cache");
    const withKind = (kind: unknown): void => {
      const script = `globalThis[Symbol.for("runnable-ts.compile-cache.kind")] = ${JSON.stringify(kind)}; require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(cache)} }); console.log(require(${JSON.stringify(join(lib, "lib.js"))}).value());`;
      const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
      expect(r.stdout.trim()).toBe("kind");
    };
    withKind("execute");
    withKind("prestarted");
    // Not a kind (a path, a number): the shared file.
    withKind("../elsewhere");
    withKind(7);
    expect(readdirSync(cache).map((f) => f.replace(/^v[\d.]+-\w+-[0-9a-f]{12}/, "")).sort()).toEqual(["-execute.bin", "-prestarted.bin", ".bin"]);
  });

  it("reads a module's code from the cache file when the module loads, not the whole file into memory", () => {
    // A module whose cached code is large (every function ran before the cache was written).
    writeFileSync(join(lib, "big.js"), `${Array.from({ length: 20000 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join("\n")}\nlet s = 0;\n${Array.from({ length: 20000 }, (_, i) => `s = f${i}(s);`).join("\n")}\nexports.s = s;\n`);
    writeFileSync(join(lib, "lib.js"), "exports.value = () => 'small';\n");
    const cache = join(dir, "cache");
    const load = (module: string): { out: string; arrayBuffers: number } => {
      const script = `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(cache)} }); const m = require(${JSON.stringify(join(lib, module))}); console.log(JSON.stringify({ out: String(m.s ?? m.value()), arrayBuffers: process.memoryUsage().arrayBuffers }));`;
      const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      return JSON.parse(r.stdout) as { out: string; arrayBuffers: number };
    };
    load("big.js");
    load("lib.js");
    const [file] = readdirSync(cache);
    const size = statSync(join(cache, file!)).size;
    expect(size).toBeGreaterThan(1_000_000);
    // From the cache: the small module's code is read, not the megabytes of the big one's.
    const small = load("lib.js");
    expect(small.out).toBe("small");
    expect(small.arrayBuffers).toBeLessThan(size / 4);
    expect(load("big.js").out).toBe(String((20000 * 19999) / 2));
  });

  it("keeps working over a corrupt cache file, and is off with RUNNABLE_COMPILE_CACHE=off", () => {
    writeFileSync(join(lib, "lib.js"), "exports.value = () => 'ok';\n");
    run();
    const [file] = readdirSync(join(dir, "cache"));
    writeFileSync(join(dir, "cache", file!), "not a cache");
    expect(run().out).toBe("ok function true");
    const off = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: "off" }); console.log(require("node:module").prototype._compile.name)`], { encoding: "utf8" });
    expect(off.stdout.trim()).not.toBe("compile");
  });

  it("leaves modules that call import() to Node's own compile, so dynamic import keeps working", () => {
    writeFileSync(join(lib, "lib.js"), "exports.value = () => 'x';\n");
    writeFileSync(join(lib, "dyn.js"), "exports.load = () => import('./esm.mjs').then((m) => m.v);\n");
    writeFileSync(join(lib, "esm.mjs"), "export const v = 'esm';\n");
    const entry = join(dir, "dyn-entry.js");
    writeFileSync(entry, `require(${JSON.stringify(CACHE_MODULE)}).enableCompileCache({ RUNNABLE_COMPILE_CACHE: ${JSON.stringify(join(dir, "cache"))} });\nrequire("./node_modules/dyn.js").load().then(console.log);\n`);
    for (let i = 0; i < 2; i++) expect(spawnSync(process.execPath, [entry], { encoding: "utf8" }).stdout.trim()).toBe("esm");
  });
});
