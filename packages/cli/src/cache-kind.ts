// Loaded before the SDK (see bin.ts): names the kind of this CLI process for the SDK's compile
// cache, which keeps a file per kind: processes that load and run different code read
// different files (see `COMPILE_CACHE_KIND` in the SDK's compile-cache.ts).
import { PRESTART_ENV } from "./prestart";

/**
 * The kind of each of the CLI's commands (main.ts's, which loads after the SDK; a test keeps the
 * two the same): `run` for the commands that run a pipeline or a job, `step` for those that run
 * one step of a run (an executor's step process), `cli` for the rest. A prestarted step process
 * is `prestarted`; anything else (a typo, `--help`) is `cli`. A few groups, not one file per
 * command: each file holds a megabyte or two per checkout.
 */
export const CACHE_KINDS: Readonly<Record<string, string>> = {
  execute: "run",
  retry: "run",
  resume: "run",
  "execute-job": "run",
  "execute-single-node": "step",
  fan: "step",
  show: "cli",
  cache: "cli",
  runs: "cli",
  plugins: "cli",
  config: "cli",
  graph: "cli",
  timeline: "cli",
  ui: "cli",
};

const command = process.argv[2] ?? "";
(globalThis as Record<symbol, unknown>)[Symbol.for("runnable-ts.compile-cache.kind")] = process.env[PRESTART_ENV] ? "prestarted" : Object.hasOwn(CACHE_KINDS, command) ? CACHE_KINDS[command]! : "cli";
