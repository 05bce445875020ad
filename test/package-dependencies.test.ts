import { readdirSync, readFileSync, existsSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import ts from "typescript";

const REPO = join(__dirname, "..");

interface WorkspacePackage {
  dir: string;
  json: {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
}

function workspacePackages(): WorkspacePackage[] {
  return ["packages", "plugins"].flatMap((group) =>
    readdirSync(join(REPO, group))
      .map((name) => join(REPO, group, name))
      .filter((dir) => existsSync(join(dir, "src")))
      .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as WorkspacePackage["json"] })),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Package names a file imports, re-exports or `require`s (type-only imports included: declarations need them too). */
function importedPackages(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => !spec.startsWith(".") && !spec.startsWith("node:") && !builtinModules.includes(spec))
    .map((spec) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!));
}

describe("package.json declarations of the workspace packages", () => {
  it("declares every package its sources import or require (strict layouts such as pnpm's resolve nothing else)", () => {
    const undeclared: string[] = [];
    for (const pkg of workspacePackages()) {
      const declared = new Set([
        ...Object.keys(pkg.json.dependencies ?? {}),
        ...Object.keys(pkg.json.peerDependencies ?? {}),
        ...Object.keys(pkg.json.optionalDependencies ?? {}),
      ]);
      for (const file of sourceFiles(join(pkg.dir, "src")))
        for (const name of importedPackages(file)) if (!declared.has(name)) undeclared.push(`${pkg.json.name}: ${name} (${relative(REPO, file)})`);
    }
    expect(undeclared).toEqual([]);
  });

  it("keeps the SDK installable without the runtime: its lazy use of the runtime is an optional peer", () => {
    const sdk = workspacePackages().find((p) => p.json.name === "@runnable-ts/sdk")!;
    expect(sdk.json.dependencies?.["@runnable-ts/runtime"]).toBeUndefined();
    expect(sdk.json.peerDependencies?.["@runnable-ts/runtime"]).toBeDefined();
    expect(sdk.json.peerDependenciesMeta?.["@runnable-ts/runtime"]?.optional).toBe(true);
  });
});
