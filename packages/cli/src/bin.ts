#!/usr/bin/env node
// First, before any other module loads: the SDK, whose first import makes the modules compiled
// here reused by the next process of the same kind (named just before) and zod's 64 locales load
// one by one (its start-up.ts).
import "./cache-kind";
import "@runnable-ts/sdk";
import { awaitCommand, configArgument, hintedArgv, PRESTART_ENV } from "./prestart";

function load(): typeof import("./cli-process") | undefined {
  try {
    // `require`, not a dynamic import: the CLI is CommonJS, and Node's ES module loader would parse it again.
    return require("./cli-process") as typeof import("./cli-process");
  } catch (error) {
    process.stderr.write(`error[E_INTERNAL]: the runnable CLI could not load: ${String(error)}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

const prestarted = process.env[PRESTART_ENV];
if (prestarted !== undefined && prestarted !== "") {
  void awaitCommand(
    async () => {
      require("./cli-process");
      require("./commands/execute");
      const hint = hintedArgv(prestarted);
      if (hint?.[2] !== "execute-single-node") return;
      const { prewarm } = require("@runnable-ts/runtime") as typeof import("@runnable-ts/runtime");
      await prewarm({ cwd: process.cwd(), configFile: configArgument(hint), env: process.env });
    },
    (args) => load()?.runCli(args),
  );
} else {
  load()?.runCli(process.argv.slice(2));
}
