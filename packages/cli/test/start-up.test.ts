import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
// (Loading it names this process's compile-cache kind: harmless here, jest compiles its own way.)
import { CACHE_KINDS } from "../src/cache-kind";

const BIN = resolve(__dirname, "..", "dist", "bin.js");
const LAZY_LOCALES = resolve(__dirname, "..", "..", "sdk", "dist", "lazy-locales.js");

describe("CLI start-up", () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-start-up-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a CommonJS pipeline without starting Node's ES module loader (it would parse every CommonJS file again)", () => {
    writeFileSync(join(dir, "one.yaml"), "dag:\n  start_at: one\n  steps:\n    one: { type: task, command: ./one.js#one, next: success }\n");
    writeFileSync(join(dir, "one.js"), "exports.one = () => 1;\n");
    writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: buffered\ncatalog: do-nothing\n");
    // Node loads its ES module translators only when something is imported as an ES module.
    writeFileSync(join(dir, "probe.js"), 'process.on("exit", () => process.stderr.write(`esm:${process.moduleLoadList.some((m) => m.includes("esm/translators"))}\\n`));\n');
    const result = spawnSync(process.execPath, ["-r", join(dir, "probe.js"), BIN, "execute", "one.yaml", "--quiet"], { cwd: dir, encoding: "utf8" });
    expect(result.stdout).toMatch(/: SUCCESS$/m);
    expect(result.stderr.trim()).toBe("esm:false");
  });

  it("keeps a compile cache file per kind of CLI process: a run, a step, the rest, or a prestarted step process", () => {
    writeFileSync(join(dir, "one.yaml"), "dag:\n  start_at: one\n  steps:\n    one: { type: task, command: ./one.js#one, next: success }\n");
    writeFileSync(join(dir, "one.js"), "exports.one = () => 1;\n");
    writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: buffered\ncatalog: do-nothing\n");
    const cache = join(dir, "cache");
    const cli = (args: string[], env: Record<string, string> = {}): void => {
      const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, RUNNABLE_COMPILE_CACHE: cache, ...env } });
      expect(result.status).toBe(0);
    };
    cli(["execute", "one.yaml", "--quiet"]);
    cli(["--version"]);
    // A mistyped command is no kind of its own.
    spawnSync(process.execPath, [BIN, "frobnicate"], { cwd: dir, env: { ...process.env, RUNNABLE_COMPILE_CACHE: cache } });
    // Without a channel on fd 3 a prestarted process runs its own command line.
    cli(["--version"], { RUNNABLE_PRESTARTED: "1" });
    const kinds = readdirSync(cache).map((f) => /-[0-9a-f]{12}-([a-z-]+)\.bin$/.exec(f)?.[1] ?? f);
    expect(kinds.sort()).toEqual(["cli", "prestarted", "run"]);
  });

  it("names a cache kind for every command of the CLI, and for nothing else", () => {
    const help = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" }).stdout;
    const commands = help.slice(help.indexOf("Commands:")).split("\n").slice(1).map((l) => /^ {2}([a-z-]+) {2}/.exec(l)?.[1]).filter((c): c is string => c !== undefined);
    expect(commands.length).toBeGreaterThan(10);
    expect(Object.keys(CACHE_KINDS).sort()).toEqual(commands.sort());
  });

  it("loads zod's locales one by one when used, not all 64 with zod (same modules, one zod)", () => {
    const script = `
      const installed = require(${JSON.stringify(LAZY_LOCALES)}).lazyZodLocales();
      const { z } = require("@runnable-ts/sdk");
      const locales = () => Object.keys(require.cache).filter((f) => /zod[\\/]v4[\\/]locales[\\/][\\w-]+\\.cjs$/.test(f)).map((f) => f.replace(/.*[\\/]/, "")).sort();
      const before = locales();
      const names = Object.keys(z.locales).length;
      z.config(z.locales.fr());
      const message = z.string().safeParse(1).error.issues[0].message;
      console.log(JSON.stringify({ installed, before, names, after: locales(), message, same: z.locales.fr === z.locales.fr }));`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: resolve(__dirname, ".."), encoding: "utf8" });
    expect(result.stderr).toBe("");
    const seen = JSON.parse(result.stdout) as { installed: boolean; before: string[]; names: number; after: string[]; message: string; same: boolean };
    expect(seen.installed).toBe(true);
    expect(seen.before).toEqual(["en.cjs", "index.cjs"]);
    expect(seen.names).toBeGreaterThan(40);
    expect(seen.after).toEqual(["en.cjs", "fr.cjs", "index.cjs"]);
    expect(seen.message).toMatch(/Entrée invalide/);
    expect(seen.same).toBe(true);
  });
});
