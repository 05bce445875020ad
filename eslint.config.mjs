// @ts-check
// Lint configuration of the whole repository (`npm run lint`, part of `npm test`).
// typescript-eslint's recommended rules without type information: the type-checked set took
// ~30 s and 1.1 GB on this 2-core machine, too slow for every `npm test`.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Workspace packages a layer must not import (dependencies point one way: sdk ← kernel ← runtime ← cli). */
const layerRule = (/** @type {string[]} */ forbidden, /** @type {string} */ why) => ({
  "no-restricted-imports": ["error", { paths: forbidden.map((name) => ({ name, message: why })), patterns: deepImports }],
});

/** No deep imports across packages: each package is closed by its `exports` map. */
const deepImports = [{ regex: "^@runnable-ts/[^/]+/(?!package\\.json$)", message: "Import the package's barrel (its exports map closes it), not a file inside it." }];

export default defineConfig(
  { ignores: ["**/dist/", "**/node_modules/", "**/coverage/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a binding kept on purpose (a destructured field left out, a loop variable).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // Lazy loads, deliberate: the runtime from the SDK (the SDK stays the bottom layer), tsx and
      // fast-glob on first use (start-up cost), the CLI's own package.json for --version.
      "@typescript-eslint/no-require-imports": ["error", { allow: ["^@runnable-ts/runtime$", "^tsx/cjs/api$", "^fast-glob$", "^picomatch$", "^s3rver(/.*)?$", "^@opentelemetry/api$", "/package\\.json$", "^\\./cli-process$", "^\\./commands/[a-z-]+$"] }],
      "no-restricted-imports": ["error", { patterns: deepImports }],
    },
  },
  {
    // A barrel lists its names: `export *` hides what a package exports (namespaces `export * as x` are fine).
    files: ["packages/*/src/**/*.ts", "plugins/*/src/**/*.ts"],
    rules: { "no-restricted-syntax": ["error", { selector: "ExportAllDeclaration[exported=null]", message: "List the exported names explicitly." }] },
  },
  { files: ["packages/sdk/src/**/*.ts"], rules: layerRule(["@runnable-ts/kernel", "@runnable-ts/runtime", "@runnable-ts/cli", "@runnable-ts/testing"], "The SDK is the bottom layer: it imports no other runnable-ts package.") },
  { files: ["packages/kernel/src/**/*.ts"], rules: layerRule(["@runnable-ts/runtime", "@runnable-ts/cli", "@runnable-ts/testing"], "The kernel sits below the runtime and the CLI.") },
  { files: ["packages/runtime/src/**/*.ts"], rules: layerRule(["@runnable-ts/cli", "@runnable-ts/testing"], "The runtime sits below the CLI.") },
  {
    files: ["plugins/*/src/**/*.ts"],
    rules: layerRule(["@runnable-ts/kernel", "@runnable-ts/runtime", "@runnable-ts/cli", "@runnable-ts/testing"], "Plugins depend on @runnable-ts/sdk only (as a peer)."),
  },
  {
    // CommonJS files (jest's config, the CLI's committed bin entry).
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The plain `throw new Error` here are being turned into RunnableErrors with causes (issue 9).
    files: ["packages/runtime/src/task-runner.ts"],
    rules: { "preserve-caught-error": "off" },
  },
);
