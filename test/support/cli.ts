import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** The built `runnable` binary of this checkout. */
export const CLI = join(__dirname, "..", "..", "packages", "cli", "dist", "bin.js");

/** Result of one CLI process. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as a child process (real module loading, real ESM), with only the
 * environment given plus PATH and HOME.
 */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
