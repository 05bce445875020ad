import { spawn } from "node:child_process";
import type { Launcher } from "./engine";

/** Outcome of {@link runCommand}. */
export interface CommandOutcome {
  /** Exit code, or null when the process was killed or could not be spawned. */
  readonly code: number | null;
  /** The last 4,000 characters of its standard error (or why it could not be spawned). */
  readonly stderr: string;
  /** True when the executable could not be spawned at all (e.g. ENOENT). */
  readonly spawnFailed: boolean;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** When it aborts, `onAbort` runs (default: SIGTERM to the process); the promise still resolves when the process ends. */
  readonly signal?: AbortSignal;
  readonly onAbort?: () => unknown;
}

/**
 * Runs `argv` (executable first) with its stdout ignored and the tail of its stderr kept; never
 * rejects. The building block of launchers.
 */
export function runCommand(argv: readonly string[], options: RunCommandOptions): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const [command, ...args] = argv;
    let stderr = "";
    let settled = false;
    const finish = (outcome: CommandOutcome): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", abort);
      resolve(outcome);
    };
    const child = spawn(command ?? "", args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "ignore", "pipe"] });
    const abort = (): void => {
      if (options.onAbort) void Promise.resolve().then(options.onAbort).catch(() => undefined);
      else child.kill("SIGTERM");
    };
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-4000)));
    child.on("error", (error) => finish({ code: null, stderr: `cannot run ${String(command)}: ${error.message}`, spawnFailed: true }));
    child.on("close", (code) => finish({ code, stderr, spawnFailed: false }));
    if (options.signal?.aborted) abort();
    else options.signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * The launcher of the `emulator` executors: the command as a subprocess of this one, in the
 * run's working directory, with this process's environment plus the request's variables.
 * Cancelling the run terminates it.
 */
export const subprocessLauncher: Launcher = async (request) => {
  const outcome = await runCommand(request.argv, { cwd: request.cwd, env: { ...process.env, ...request.env }, signal: request.signal });
  return { code: outcome.code, stderr: outcome.stderr, notStarted: outcome.spawnFailed };
};
