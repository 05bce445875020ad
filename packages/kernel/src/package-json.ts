import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

/** The fields of a package.json the kernel reads. */
export interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
  runnable?: unknown;
  workspaces?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Reads and parses `<dir>/package.json`; undefined when there is none. Throws on bad JSON. */
export function readPackageJson(dir: string): PackageJson | undefined {
  const file = join(dir, "package.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${file} is not a JSON object`);
  return parsed as PackageJson;
}

/** The nearest folder at or above `start` that holds a package.json, or `start` itself when none. */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The folder of the installed package `name` as Node would find it from `fromDir` (the
 * `node_modules` lookup up the tree), with symlinks resolved (pnpm, workspaces). Reads no
 * `exports` map, so packages that do not export `./package.json` are found too.
 */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    // One realpath(3) call, not a lstat per path segment (Node's JavaScript realpath).
    if (existsSync(join(candidate, "package.json"))) return realpathSync.native(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}
