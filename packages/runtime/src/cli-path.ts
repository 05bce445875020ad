import { dirname, join } from "node:path";
import { RunnableError } from "@runnable-ts/sdk";

/**
 * The `runnable` binary, for running a step in a fresh process: `RUNNABLE_CLI` when set, else
 * `@runnable-ts/cli` as installed beside the project (or this runtime).
 */
export function cliBinary(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNNABLE_CLI) return env.RUNNABLE_CLI;
  try {
    const pkg = require.resolve("@runnable-ts/cli/package.json", { paths: [cwd, __dirname] });
    return join(dirname(pkg), "dist", "bin.js");
  } catch {
    throw new RunnableError("E_USAGE", "Running steps in their own process needs the runnable CLI: npm install @runnable-ts/cli (or set RUNNABLE_CLI)");
  }
}
