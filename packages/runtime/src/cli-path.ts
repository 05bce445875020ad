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

/**
 * The argv that runs one step (or a job: `target` "job" with `--job`) of a run in a fresh
 * process: `node <runnable> execute-single-node <run> <definition file> <target> [...]`, with the
 * run's config file and the SDK export when known.
 * @throws RunnableError when the definition file is unknown (the run cannot be re-entered).
 */
export function singleNodeCommand(args: {
  runId: string;
  file: string | undefined;
  target: string;
  extra: string[];
  configFile: string | undefined;
  exportName: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): string[] {
  if (!args.file)
    throw new RunnableError("E_USAGE", "This run does not record the file its definition came from, so its steps cannot run in other processes; run it from a module (runnable execute <file>)", {
      runId: args.runId,
    });
  return [
    process.execPath,
    cliBinary(args.cwd, args.env),
    "execute-single-node",
    args.runId,
    args.file,
    args.target,
    ...args.extra,
    ...(args.configFile ? ["-c", args.configFile] : []),
    ...(args.exportName ? ["--export", args.exportName] : []),
  ];
}
