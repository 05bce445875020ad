import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

interface Resolver {
  _resolveFilename(request: string, parent: NodeModule | undefined, isMain: boolean, options?: unknown): string;
}

/**
 * Packages of many small files the CLI loads in every process (yaml: 72 files, tsyringe: 33),
 * where finding, reading and wrapping each file costs more than its code: ~15 ms for yaml's
 * files against ~3 ms for the same code as one file.
 */
export const BUNDLED_PACKAGES = ["yaml", "tsyringe"] as const;

/**
 * Serves `require(name)` of each of `names` from one bundled file of the same package: the first
 * process that loads the package as files builds the bundle (esbuild, at exit; ~50 ms once) in
 * `dir`, named by the package's resolved entry file, with the size and mtime of every file it
 * holds beside it; the next processes check those (one stat per file: an install, an upgrade or
 * a patched file means files again, and a new bundle) and load the bundle instead of the files.
 * Every `require(name)` resolving to that entry gets the bundle, so the process still holds one
 * copy. Without esbuild, or with any problem, the package loads as usual.
 */
export function serveBundledPackages(dir: string, names: readonly string[] = BUNDLED_PACKAGES): void {
  const resolver = Module as unknown as Resolver;
  const original = resolver._resolveFilename;
  const wanted = new Set<string>(names);
  /** Entry file → bundle to serve (or "" when there is none yet). */
  const served = new Map<string, string>();
  const missing = new Map<string, string>();
  resolver._resolveFilename = function resolveFilename(this: unknown, request, parent, isMain, options) {
    const resolved = original.call(this, request, parent, isMain, options);
    if (!wanted.has(request)) return resolved;
    let bundle = served.get(resolved);
    if (bundle === undefined) {
      bundle = bundleFile(dir, request, resolved);
      if (!upToDate(bundle)) {
        missing.set(resolved, bundle);
        bundle = "";
      }
      served.set(resolved, bundle);
    }
    return bundle || resolved;
  };
  process.once("exit", () => {
    for (const [entry, bundle] of missing) build(entry, bundle);
  });
}

function bundleFile(dir: string, name: string, entry: string): string {
  const stat = statSync(entry);
  const key = createHash("sha1").update(`${entry}\0${stat.size}\0${stat.mtimeMs}\0${process.version}`).digest("hex").slice(0, 16);
  return join(dir, `bundle-${name.replace(/[^a-z0-9-]/gi, "_")}-${key}.js`);
}

/** The files a bundle was built from, with their size and mtime when it was built. */
type Inputs = [file: string, size: number, mtimeMs: number][];

const inputsFile = (bundle: string): string => bundle.replace(/\.js$/, ".inputs.json");

function upToDate(bundle: string): boolean {
  try {
    if (!existsSync(bundle)) return false;
    const inputs = JSON.parse(readFileSync(inputsFile(bundle), "utf8")) as Inputs;
    return (
      inputs.length > 0 &&
      inputs.every(([file, size, mtimeMs]) => {
        const stat = statSync(file, { throwIfNoEntry: false });
        return stat !== undefined && stat.size === size && stat.mtimeMs === mtimeMs;
      })
    );
  } catch {
    return false;
  }
}

function build(entry: string, bundle: string): void {
  try {
    // esbuild comes with tsx, the runtime's loader of .ts files.
    const runtime = dirname(require.resolve("@runnable-ts/runtime"));
    const load = createRequire(__filename);
    const tsx = dirname(load.resolve("tsx/cjs/api", { paths: [runtime] }));
    const esbuild = load(load.resolve("esbuild", { paths: [__dirname, runtime, tsx] })) as { buildSync(options: Record<string, unknown>): unknown };
    const temporary = `${bundle}.${process.pid}.tmp`;
    const result = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: `node${process.versions.node}`,
      outfile: temporary,
      logLevel: "silent",
      legalComments: "inline",
      metafile: true,
      absWorkingDir: "/",
    }) as { metafile: { inputs: Record<string, unknown> } };
    const inputs: Inputs = Object.keys(result.metafile.inputs).map((file) => {
      const absolute = resolve("/", file);
      const stat = statSync(absolute);
      return [absolute, stat.size, stat.mtimeMs];
    });
    writeFileSync(inputsFile(bundle), JSON.stringify(inputs));
    renameSync(temporary, bundle);
    // Bundles of an earlier install of the same package leave.
    const prefix = bundle.slice(dirname(bundle).length + 1).replace(/-[0-9a-f]+\.js$/, "-");
    for (const old of readdirSync(dirname(bundle)))
      if (old.startsWith(prefix) && !old.startsWith(bundle.slice(dirname(bundle).length + 1).replace(/\.js$/, ""))) rmSync(join(dirname(bundle), old), { force: true });
  } catch {
    // No esbuild, a read-only folder: the package keeps loading as files.
  }
}
