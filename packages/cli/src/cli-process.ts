import { formatError, debugEnabled } from "./errors";
import { interruptionExitCode } from "./interrupt";
import { main } from "./main";

/** How long an interrupted command waits for what is still winding down before it exits anyway. */
const INTERRUPTED_GRACE_MS = 1000;

/**
 * Runs the `runnable` command line in this process: exit code, error block, and the guards
 * (a closed stdout pipe, a command that stopped waiting, a task's `process.exit(0)`).
 */
export function runCli(argv: string[]): void {
  // `runnable plugins | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });

  let settled = false;
  // The event loop drained while the command still waited (a promise that never settles: a plugin
  // or task that never resolves). Node would exit 0; an exit 0 must mean success.
  process.on("beforeExit", () => {
    if (settled) return;
    settled = true;
    process.stderr.write(
      "error[E_INTERNAL]: the command stopped before it finished: it was waiting for something that will never happen (a plugin, task or module whose promise never settles)\n" +
        "  help: run with RUNNABLE_DEBUG=1, or find the step that was running in `runnable show <run_id>`\n",
    );
    process.exitCode = 1;
  });

  // A task called process.exit(0) before the command finished: the run did not succeed.
  process.on("exit", (code) => {
    if (!settled && code === 0) process.exitCode = 1;
  });

  main(argv).then(
    (code) => {
      settled = true;
      process.exitCode = code;
      // The run is recorded; a task that ignored its aborted signal must not keep Ctrl-C waiting.
      if (interruptionExitCode() !== undefined) setTimeout(() => process.exit(code), INTERRUPTED_GRACE_MS).unref();
    },
    (error: unknown) => {
      settled = true;
      process.stderr.write(`${formatError(error, debugEnabled()).text}\n`);
      process.exitCode = 1;
    },
  );
}
