import { RunnableError } from "@runnable-ts/sdk";
import type { Output } from "./output";

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Signal = keyof typeof EXIT_CODES;

let interruptedBy: Signal | undefined;

/**
 * The exit code of the signal that interrupted a command in this process (130, 143), if any: the
 * binary then exits without waiting for tasks that ignored their aborted signal.
 */
export function interruptionExitCode(): number | undefined {
  return interruptedBy ? EXIT_CODES[interruptedBy] : undefined;
}

/** An interruption scope: the signal a run listens to, and the exit code it calls for. */
export interface Interruption {
  /** Aborted on the first SIGINT or SIGTERM, with an `E_INTERRUPTED` reason naming the signal. */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM, undefined when not interrupted. */
  exitCode(): number | undefined;
  /** Removes the signal handlers (the default behaviour of the signals comes back). */
  dispose(): void;
}

/**
 * Handles SIGINT (Ctrl-C) and SIGTERM while a command runs something: the first one cancels the
 * run (running tasks see their signal aborted, shell commands are killed, the run log records
 * FAIL saying the run was interrupted) and the command then exits 130 / 143; a second one exits
 * at once (the run's exit guard still records it as FAIL).
 */
export function interruptible(output: Output): Interruption {
  const controller = new AbortController();
  let received: Signal | undefined;
  const handlers = new Map<Signal, () => void>();
  for (const name of Object.keys(EXIT_CODES) as Signal[]) {
    const handler = (): void => {
      if (received) {
        output.err(`${name} again: exiting now`);
        process.exit(EXIT_CODES[name]);
      }
      received = name;
      interruptedBy = name;
      output.err(`interrupted by ${name}: cancelling the run (send it again to exit at once)`);
      controller.abort(new RunnableError("E_INTERRUPTED", `the run was interrupted by ${name}`, { signal: name }));
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    exitCode: () => (received ? EXIT_CODES[received] : undefined),
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/** Runs `work` with {@link interruptible}; an interrupted run's exit code replaces the one `work` gives. */
export async function withInterruption(output: Output, work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interruption = interruptible(output);
  try {
    const code = await work(interruption.signal);
    return interruption.exitCode() ?? code;
  } finally {
    interruption.dispose();
  }
}
