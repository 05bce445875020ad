import { writeSync, closeSync } from "node:fs";

/**
 * Set (to "1") in the environment of a CLI process started ahead of its command: it loads the
 * CLI's modules, says so on file descriptor 3, then reads its command from standard input.
 * The emulator executor keeps one such process ready while a step runs, so the next step's
 * process has already paid Node's start-up and the module loading (plugins cannot import the
 * CLI: the emulator spells the same name).
 */
export const PRESTART_ENV = "RUNNABLE_PRESTARTED";

/** The one line a prestarted process reads: the command it is to run, as a fresh process would have got it. */
export interface PrestartCommand {
  /** `process.argv` (node and the CLI first). */
  argv: string[];
  /** The whole environment. */
  env: Record<string, string>;
  cwd: string;
}

/**
 * Loads what every command needs (nothing runs: modules have no import-time effects), signals
 * readiness on fd 3, then waits for one {@link PrestartCommand} on stdin and hands it to `run`
 * with `process.argv`, `process.env` and the working directory set as a fresh process would have
 * them. Standard input closing first (the launcher went away) ends the process quietly.
 */
export function awaitCommand(preload: () => void, run: (args: string[]) => void): void {
  try {
    preload();
  } catch {
    // The command reports it when it loads the same module.
  }
  try {
    writeSync(3, "ready\n");
    closeSync(3);
  } catch {
    // No readiness channel: whoever started this process does not wait for it.
  }
  let text = "";
  const stdin = process.stdin.setEncoding("utf8");
  const onData = (chunk: string): void => {
    text += chunk;
    const end = text.indexOf("\n");
    if (end < 0) return;
    stdin.off("data", onData).off("end", onEnd);
    stdin.destroy();
    const command = JSON.parse(text.slice(0, end)) as PrestartCommand;
    for (const name of Object.keys(process.env)) if (!(name in command.env)) delete process.env[name];
    Object.assign(process.env, command.env);
    process.chdir(command.cwd);
    process.argv = command.argv;
    run(command.argv.slice(2));
  };
  const onEnd = (): void => {
    process.exitCode = 0;
  };
  stdin.on("data", onData).on("end", onEnd);
}
