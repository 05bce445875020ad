import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A package to place in a fixture: its package.json and other files (path → content). */
export interface FixturePackage {
  packageJson: Record<string, unknown>;
  files?: Record<string, string>;
}

/** What {@link createFixtureProject} builds. */
export interface FixtureSpec {
  /** The project's own package.json (a `name` is added when missing). */
  packageJson?: Record<string, unknown>;
  /** Files of the project itself, path → content. */
  files?: Record<string, string>;
  /** Packages installed into the project's `node_modules`, by package name. */
  installed?: Record<string, FixturePackage>;
  /** Packages of the runnable-ts workspace to link into `node_modules` (e.g. `@runnable-ts/sdk`). */
  link?: string[];
}

/** A real project folder on disk. */
export interface FixtureProject {
  /** Absolute, symlink-free path of the project root. */
  readonly dir: string;
  /** Writes (or overwrites) a file relative to the project root. */
  write(path: string, content: string): string;
  /** Installs (or replaces) a package into `node_modules`. */
  install(name: string, pkg: FixturePackage): string;
  /** Deletes the folder. */
  remove(): void;
}

/**
 * Creates a real project folder in the temp directory: a package.json, files, and packages
 * placed in `node_modules` as `npm install` would leave them (no network, no npm). Used to test
 * discovery and loading against real files and real module resolution.
 */
export function createFixtureProject(spec: FixtureSpec = {}): FixtureProject {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-fixture-")));
  const write = (path: string, content: string): string => {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  const install = (name: string, pkg: FixturePackage): string => {
    const pkgDir = join(dir, "node_modules", name);
    rmSync(pkgDir, { recursive: true, force: true });
    writePackage(pkgDir, { ...pkg, packageJson: { name, version: "1.0.0", ...pkg.packageJson } });
    return pkgDir;
  };
  write("package.json", JSON.stringify({ name: "fixture-project", version: "1.0.0", private: true, ...spec.packageJson }, null, 2));
  for (const [path, content] of Object.entries(spec.files ?? {})) write(path, content);
  for (const [name, pkg] of Object.entries(spec.installed ?? {})) install(name, pkg);
  for (const name of spec.link ?? []) {
    const target = dirname(require.resolve(`${name}/package.json`));
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return { dir, write, install, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a package folder: its package.json and files. */
export function writePackage(pkgDir: string, pkg: FixturePackage): void {
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, "package.json"), JSON.stringify(pkg.packageJson, null, 2));
  for (const [path, content] of Object.entries(pkg.files ?? {})) {
    const file = join(pkgDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}
