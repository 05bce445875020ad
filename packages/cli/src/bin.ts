#!/usr/bin/env node
import { enableCompileCache } from "./compile-cache";

// First, before any other module loads: the modules compiled here are reused by the next process.
enableCompileCache();
let cli: typeof import("./cli-process") | undefined;
try {
  // `require`, not a dynamic import: the CLI is CommonJS, and Node's ES module loader would parse it again.
  cli = require("./cli-process") as typeof import("./cli-process");
} catch (error) {
  process.stderr.write(`error[E_INTERNAL]: the runnable CLI could not load: ${String(error)}\n`);
  process.exitCode = 1;
}
cli?.runCli(process.argv.slice(2));
