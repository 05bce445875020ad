#!/usr/bin/env node
// Import-cycle check over the sources of every workspace package (`npm run cycles`, part of
// `npm test`). Workspace imports resolve to the packages' `src` barrels (config/tsconfig.cycles.json),
// so edges across packages count, `require()` calls included; type-only imports are erased by
// the compiler and do not count. Usage: node scripts/check-cycles.js [repository root]
"use strict";
const { existsSync, readdirSync } = require("node:fs");
const { join, resolve } = require("node:path");
const madge = require("madge");

/**
 * Edges that are allowed to close a cycle, each a lazy lookup made at call time, never at
 * import time. Keep this list short and say why (see ARCHITECTURE.md, "Layers").
 */
const ALLOWED_EDGES = [
  {
    from: "packages/sdk/src/authoring.ts",
    to: "packages/runtime/src/index.ts",
    why: "Pipeline.execute() finds the runtime lazily (an optional peer of the SDK)",
  },
];

/** Strongly connected components with more than one file, or a file importing itself. */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const dep of graph[node] ?? []) {
      if (!index.has(dep)) {
        visit(dep);
        low.set(node, Math.min(low.get(node), low.get(dep)));
      } else if (onStack.has(dep)) low.set(node, Math.min(low.get(node), index.get(dep)));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph[node] ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of Object.keys(graph).sort()) if (!index.has(node)) visit(node);
  return found;
}

async function main(root) {
  const sourceDirs = ["packages", "plugins"].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group))
          .sort()
          .map((name) => join(group, name, "src"))
          .filter((dir) => existsSync(join(root, dir)))
      : [],
  );
  const result = await madge(
    sourceDirs.map((dir) => join(root, dir)),
    {
      baseDir: root,
      fileExtensions: ["ts"],
      excludeRegExp: [/\.d\.ts$/],
      tsConfig: join(root, "config", "tsconfig.cycles.json"),
      detectiveOptions: { ts: { mixedImports: true, skipTypeImports: true } },
    },
  );
  const graph = result.obj();
  const problems = [];

  const unresolved = result.warnings().skipped.filter((name) => name.startsWith("@runnable-ts/"));
  if (unresolved.length > 0) problems.push(`workspace imports that resolve to no src barrel: ${unresolved.join(", ")}`);
  const crossPackage = Object.entries(graph).some(([file, deps]) => deps.some((dep) => dep.split("/").slice(0, 2).join("/") !== file.split("/").slice(0, 2).join("/")));
  if (Object.keys(graph).length > 0 && !crossPackage) problems.push("no import across packages was resolved: config/tsconfig.cycles.json no longer maps @runnable-ts/* to the sources");

  for (const edge of ALLOWED_EDGES) {
    const deps = graph[edge.from];
    if (!deps?.includes(edge.to)) {
      problems.push(`allowed edge ${edge.from} -> ${edge.to} no longer exists: remove it from ALLOWED_EDGES in scripts/check-cycles.js`);
      continue;
    }
    graph[edge.from] = deps.filter((dep) => dep !== edge.to);
  }

  for (const component of cycles(graph)) {
    const edges = component.flatMap((file) => graph[file].filter((dep) => component.includes(dep)).map((dep) => `    ${file} -> ${dep}`));
    problems.push(`import cycle through ${component.length} file(s):\n${edges.join("\n")}`);
  }

  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
    return 1;
  }
  process.stdout.write(`No import cycles in ${Object.keys(graph).length} source files of ${sourceDirs.length} packages (allowed lazy edges: ${ALLOWED_EDGES.map((e) => `${e.from} -> ${e.to}`).join(", ")}).\n`);
  return 0;
}

main(resolve(process.argv[2] ?? join(__dirname, ".."))).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`error: the cycle check failed to run: ${error.stack ?? error}\n`);
    process.exit(1);
  },
);
