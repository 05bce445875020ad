import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createFixtureProject, type FixtureProject } from "@runnable-ts/testing";

const REPO = join(__dirname, "..");
const SCRIPT = join(REPO, "scripts", "check-cycles.js");

/** A mini workspace laid out like this repository: packages/<name>/src and plugins/<name>/src. */
function workspace(files: Record<string, string>): FixtureProject {
  const project = createFixtureProject({ packageJson: { workspaces: ["packages/*", "plugins/*"] }, files });
  mkdirSync(join(project.dir, "config"), { recursive: true });
  copyFileSync(join(REPO, "config", "tsconfig.cycles.json"), join(project.dir, "config", "tsconfig.cycles.json"));
  return project;
}

function check(project: FixtureProject): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, project.dir], { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The SDK's lazy lookup of the runtime, and a runtime that imports the SDK: the one allowed cycle. */
const layers = {
  "packages/sdk/src/index.ts": `export { execute } from "./authoring";\nexport type { Shape } from "./contracts";\n`,
  "packages/sdk/src/authoring.ts": `export function execute(): unknown {\n  return (require("@runnable-ts/runtime") as { run(): unknown }).run();\n}\n`,
  // A type-only cycle inside the SDK: erased by the compiler, so not a cycle at run time.
  "packages/sdk/src/contracts.ts": `import type { Engine } from "./engine";\nexport interface Shape { engine: Engine }\n`,
  "packages/sdk/src/engine.ts": `import type { Shape } from "./contracts";\nexport interface Engine { shape: Shape }\n`,
  "packages/kernel/src/index.ts": `import { execute } from "@runnable-ts/sdk";\nexport const kernel = execute;\n`,
  "packages/runtime/src/index.ts": `import { kernel } from "@runnable-ts/kernel";\nexport const run = () => kernel;\n`,
};

describe("scripts/check-cycles.js (npm run cycles) over the sources", () => {
  const projects: FixtureProject[] = [];
  afterAll(() => projects.forEach((p) => p.remove()));
  const project = (files: Record<string, string>) => {
    const p = workspace(files);
    projects.push(p);
    return p;
  };

  it("passes the SDK's lazy require of the runtime and type-only cycles", () => {
    const result = check(project(layers));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No import cycles in 6 source files of 3 packages/);
  });

  it("fails on a cycle across packages that goes through a plugin's require(), naming every edge", () => {
    const result = check(
      project({
        ...layers,
        "plugins/node-x/src/index.ts": `export const x = () => require("@runnable-ts/kernel") as unknown;\n`,
        "packages/kernel/src/index.ts": `import { execute } from "@runnable-ts/sdk";\nimport { x } from "@runnable-ts/node-x";\nexport const kernel = [execute, x];\n`,
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("import cycle through 2 file(s)");
    expect(result.stderr).toContain("packages/kernel/src/index.ts -> plugins/node-x/src/index.ts");
    expect(result.stderr).toContain("plugins/node-x/src/index.ts -> packages/kernel/src/index.ts");
  });

  it("fails when the SDK's lazy runtime lookup moves elsewhere, instead of silently allowing a new edge", () => {
    const result = check(
      project({
        ...layers,
        "packages/sdk/src/authoring.ts": `export { execute } from "./find-runtime";\n`,
        "packages/sdk/src/find-runtime.ts": `export const execute = (): unknown => (require("@runnable-ts/runtime") as { run(): unknown }).run();\n`,
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("allowed edge packages/sdk/src/authoring.ts -> packages/runtime/src/index.ts no longer exists");
    expect(result.stderr).toMatch(/import cycle through \d+ file\(s\):[^]*packages\/sdk\/src\/find-runtime\.ts -> packages\/runtime\/src\/index\.ts/);
  });

  it("fails when workspace imports do not resolve to sources (the check would otherwise pass vacuously)", () => {
    const p = project(layers);
    p.write("config/tsconfig.cycles.json", JSON.stringify({ compilerOptions: { module: "Node16", moduleResolution: "Node16" } }));
    const result = check(p);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("workspace imports that resolve to no src barrel: @runnable-ts/");
  });
});
