#!/usr/bin/env node
import { enableCompileCache } from "./compile-cache";

// First, before any other module loads: the modules compiled here are reused by the next process.
enableCompileCache();
import("./cli-process.js").then(
  (cli) => cli.runCli(process.argv.slice(2)),
  (error: unknown) => {
    process.stderr.write(`error[E_INTERNAL]: the runnable CLI could not load: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
